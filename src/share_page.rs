//! The small page a browser gets for a share link: the file's name and size and a Download
//! button (a collection: its files, each with its button), or for a protected link only a
//! password field and the button (nothing of the file until the password is given). Opening
//! it counts nothing, so link previews in chat apps do not use up downloads; only a button's
//! POST does. It has no script and wears the web app's stylesheet (`/app.css`), so it looks
//! like the rest of the product.

/// What the page shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SharePage<'a> {
    /// A live link without a password: the file and its Download button.
    /// `preview`: the file's type may be shown in the browser, so a Preview button is offered.
    Ready { token: &'a str, name: &'a str, size: i64, preview: bool, error: Option<&'a str> },
    /// A live link with a password: the password field and the Download button, and
    /// neither the file's name nor its size.
    Locked { token: &'a str, error: Option<&'a str> },
    /// A live collection (after its password, if it has one, which each file's button then
    /// sends again): its name and a page of its files.
    Collection { token: &'a str, name: &'a str, items: &'a [Item<'a>], more: bool, password: Option<&'a str> },
    /// The link expired or reached its download limit.
    Gone,
    /// No such link, or it was revoked.
    Missing,
}

/// A file of a collection as its page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub folder: &'a str,
    pub size: i64,
    /// Its type may be shown in the browser: it gets a Preview button.
    pub preview: bool,
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

/// A collection's list: each file with its folder, size and own Download button, which
/// POSTs to the file's URL in the link (with the password, if one was given).
fn collection(token: &str, items: &[Item<'_>], more: bool, password: Option<&str>) -> String {
    let hidden = password
        .map(|p| format!("<input type=\"hidden\" name=\"password\" value=\"{}\">", escape(p)))
        .unwrap_or_default();
    let rows: String = items
        .iter()
        .map(|item| {
            let action = format!("/share/{token}/files/{}", item.id);
            let preview = if item.preview { preview_form(&action, &hidden) } else { String::new() };
            format!(
                "<li><span class=\"share-item\">{name}</span> <span class=\"muted\">{folder} · {size}</span>\
                 <form method=\"post\" action=\"{action}\">{hidden}\
                 <button type=\"submit\">Download</button></form>{preview}</li>",
                name = escape(item.name),
                folder = escape(item.folder),
                size = escape(&human_size(item.size)),
                action = escape(&action),
            )
        })
        .collect();
    let note = if more { "<p class=\"muted\">More files follow; Download all takes them all.</p>" } else { "" };
    let empty = if items.is_empty() { "<p class=\"muted\">Nothing is shared here yet.</p>" } else { "" };
    format!("{empty}<ul class=\"share-items\">{rows}</ul>{note}")
}

/// The Download all button: `/share-zip.js` (the page's only script) builds one .zip of
/// every file in the browser, counted as one download of the link.
fn download_all(token: &str, name: &str) -> String {
    format!(
        "<p><button type=\"button\" class=\"primary\" id=\"download-all\" data-token=\"{token}\" \
         data-name=\"{name}\">Download all (.zip)</button></p>\
         <progress id=\"download-all-progress\" aria-label=\"Download all\" hidden></progress>\
         <p id=\"download-all-status\" class=\"muted\" role=\"status\"></p>\
         <script src=\"/share-zip.js\" defer></script>",
        token = escape(token),
        name = escape(name),
    )
}

/// A Preview button: POSTs to `action` (with `fields`) asking for the file inline, which
/// counts one download like the Download button and opens the file in the browser.
fn preview_form(action: &str, fields: &str) -> String {
    format!(
        "<form method=\"post\" action=\"{}\">{fields}<input type=\"hidden\" name=\"disposition\" value=\"inline\">\
         <button type=\"submit\">Preview</button></form>",
        escape(action)
    )
}

/// The whole HTML document for `page`.
pub fn render(page: &SharePage<'_>) -> String {
    let (title, body) = match page {
        SharePage::Ready { token, name, size, preview, error } => {
            let preview = if *preview { preview_form(&format!("/share/{token}"), "") } else { String::new() };
            let body = format!(
                "<h1>{name}</h1><p class=\"muted\">{size}</p>{error}{form}{preview}",
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
        SharePage::Collection { token, name, items, more, password } => {
            let all = if items.is_empty() { String::new() } else { download_all(token, name) };
            let body = format!(
                "<h1>{heading}</h1>{all}{list}",
                heading = escape(name),
                list = collection(token, items, *more, *password)
            );
            (format!("{} — shared files", escape(name)), body)
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
            preview: false,
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
    fn a_collection_lists_each_file_with_its_own_button_and_escapes_everything() {
        let items = [
            Item { id: "f1", name: "<b>.txt", folder: "/a", size: 1500, preview: false },
            Item { id: "f2", name: "b.pdf", folder: "/a/\"x\"", size: 3, preview: true },
        ];
        let page = SharePage::Collection { token: "t", name: "Trip & co", items: &items, more: true, password: None };
        let html = render(&page);
        assert!(html.contains("<h1>Trip &amp; co</h1>") && html.contains("&lt;b&gt;.txt"), "{html}");
        assert!(html.contains("action=\"/share/t/files/f1\"") && html.contains("action=\"/share/t/files/f2\""));
        assert!(html.contains("/a/&quot;x&quot;") && html.contains("1.5 KB") && html.contains("More files"));
        assert!(html.contains("id=\"download-all\" data-token=\"t\" data-name=\"Trip &amp; co\""), "{html}");
        assert!(html.contains("<script src=\"/share-zip.js\" defer></script>"));
        assert!(!html.contains("name=\"password\""), "no password given, none sent");
        let locked =
            SharePage::Collection { token: "t", name: "n", items: &items, more: false, password: Some("p\"w") };
        assert_eq!(render(&locked).matches("name=\"password\" value=\"p&quot;w\"").count(), 3, "each form's");
        assert_eq!(html.matches("value=\"inline\"").count(), 1, "only the PDF has a Preview button");
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
