//! The small page a browser gets for a share link: the file's name and size and a Download
//! button (with a password field when needed). Opening it counts nothing, so link previews
//! in chat apps do not use up downloads; only the button's POST does. It has no script and
//! wears the web app's stylesheet (`/app.css`), so it looks like the rest of the product.

/// What the page shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SharePage<'a> {
    /// A live link: the file and its Download button.
    Ready { token: &'a str, name: &'a str, size: i64, protected: bool, error: Option<&'a str> },
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

/// The whole HTML document for `page`.
pub fn render(page: &SharePage<'_>) -> String {
    let (title, body) = match page {
        SharePage::Ready { token, name, size, protected, error } => {
            let error =
                error.map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>", escape(e))).unwrap_or_default();
            let password = if *protected {
                "<label for=\"password\">This link is protected. Password</label>\
                 <input id=\"password\" name=\"password\" type=\"password\" required autocomplete=\"off\" autofocus>"
            } else {
                ""
            };
            let body = format!(
                "<h1>{name}</h1><p class=\"muted\">{size}</p>{error}<form method=\"post\" action=\"/share/{token}\">{password}\
                 <button type=\"submit\" class=\"primary\">Download</button></form>",
                name = escape(name),
                size = escape(&human_size(*size)),
                token = escape(token),
            );
            (format!("{} — shared file", escape(name)), body)
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
            protected: false,
            error: None,
        });
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;.txt"));
        assert!(!html.contains("type=\"password\""));
        assert!(html.contains("action=\"/share/tok\""));
    }

    #[test]
    fn protected_links_ask_for_the_password_and_show_errors() {
        let html = render(&SharePage::Ready { token: "t", name: "a", size: 1, protected: true, error: Some("Wrong.") });
        assert!(html.contains("type=\"password\"") && html.contains("role=\"alert\">Wrong.</p>"));
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
