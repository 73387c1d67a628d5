//! The small page a browser gets for a share link: the file's name and size and a Download
//! button, or for a protected link only a password field and the button (nothing of the
//! file until the password is given). Opening it counts nothing, so link previews in chat
//! apps do not use up downloads; only the button's POST does. It has no script and wears
//! the web app's stylesheet (`/app.css`), so it looks like the rest of the product.

/// What the page shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SharePage<'a> {
    /// A live link without a password: the file and its Download button.
    Ready { token: &'a str, name: &'a str, size: i64, error: Option<&'a str> },
    /// A live link with a password: the password field and the Download button, and
    /// neither the file's name nor its size.
    Locked { token: &'a str, error: Option<&'a str> },
    /// The link expired or reached its download limit.
    Gone,
    /// No such link, or it was revoked.
    Missing,
}

/// Escapes text for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A byte count as people read it: `1.5 MB`.
pub fn human_size(bytes: i64) -> String {
    const UNITS: [&str; 6] = ["bytes", "KB", "MB", "GB", "TB", "PB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} bytes")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// An error to show above the form, if any.
fn alert(error: Option<&str>) -> String {
    error.map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>", escape(e))).unwrap_or_default()
}

/// The form whose button POSTs to the link, with `fields` before the button.
fn download_form(token: &str, fields: &str) -> String {
    format!(
        "<form method=\"post\" action=\"/share/{token}\">{fields}<button type=\"submit\" class=\"primary\">Download</button></form>",
        token = escape(token),
    )
}

/// The whole HTML document for `page`.
pub fn render(page: &SharePage<'_>) -> String {
    let (title, body) = match page {
        SharePage::Ready { token, name, size, error } => {
            let body = format!(
                "<h1>{name}</h1><p class=\"muted\">{size}</p>{error}{form}",
                name = escape(name),
                size = escape(&human_size(*size)),
                error = alert(*error),
                form = download_form(token, ""),
            );
            (format!("{} — shared file", escape(name)), body)
        }
        SharePage::Locked { token, error } => {
            let password = "<label for=\"password\">Password</label>\
                 <input id=\"password\" name=\"password\" type=\"password\" required autocomplete=\"off\" autofocus>";
            let body = format!(
                "<h1>Protected file</h1><p class=\"muted\">This link is protected. Enter its password to download \
                 the file.</p>{error}{form}",
                error = alert(*error),
                form = download_form(token, password),
            );
            ("Protected file — shared file".to_owned(), body)
        }
        SharePage::Gone => (
            "Link expired".to_owned(),
            "<h1>This link has expired</h1><p class=\"muted\">It is past its expiry date or reached its download limit.</p>".to_owned(),
        ),
        SharePage::Missing => (
            "Link not found".to_owned(),
            "<h1>Link not found</h1><p class=\"muted\">This share link does not exist or was revoked.</p>".to_owned(),
        ),
    };
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"robots\" content=\"noindex\"><title>{title}</title>\
         <link rel=\"stylesheet\" href=\"/app.css\"></head><body class=\"page-centered\"><main class=\"card\">\
         <p class=\"brand\">edgedrop</p>{body}</main></body></html>"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_escaped_everywhere_they_appear() {
        let html = render(&SharePage::Ready {
            token: "tok",
            name: "<script>alert('x')</script>&\".txt",
            size: 1,
            error: Some("<b>"),
        });
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;.txt"));
        assert!(!html.contains("type=\"password\""));
        assert!(html.contains("action=\"/share/tok\""));
        assert!(html.contains("role=\"alert\">&lt;b&gt;</p>"));
    }

    #[test]
    fn protected_links_ask_for_the_password_and_show_errors_but_nothing_of_the_file() {
        let html = render(&SharePage::Locked { token: "t", error: Some("Wrong.") });
        assert!(html.contains("type=\"password\"") && html.contains("role=\"alert\">Wrong.</p>"), "{html}");
        assert!(html.contains("action=\"/share/t\"") && html.contains("<button"), "{html}");
        assert!(!html.contains("bytes") && html.contains("<title>Protected file — shared file</title>"), "{html}");
    }

    #[test]
    fn sizes_read_like_people_write_them() {
        assert_eq!(human_size(0), "0 bytes");
        assert_eq!(human_size(999), "999 bytes");
        assert_eq!(human_size(1500), "1.5 KB");
        assert_eq!(human_size(15_000_000), "15.0 MB");
    }

    #[test]
    fn gone_and_missing_links_say_so() {
        assert!(render(&SharePage::Gone).contains("expired"));
        assert!(render(&SharePage::Missing).contains("not found"));
    }
}
