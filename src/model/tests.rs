use super::*;

#[test]
fn emails_need_a_local_part_and_a_dotted_domain() {
    assert!(Email::parse("Ada@Example.com").is_ok());
    for bad in ["", "ada", "@example.com", "ada@", "ada@localhost", "a da@x.io", "ada@x..io", "ada@-x.io"] {
        assert!(Email::parse(bad).is_err(), "{bad:?} accepted");
    }
    assert!(Email::parse(&format!("{}@x.io", "a".repeat(65))).is_err());
}

#[test]
fn spellings_of_one_address_share_one_canonical_form() {
    let same = |a: &str, b: &str| assert_eq!(canonical_email(a), canonical_email(b), "{a:?} vs {b:?}");
    // Composed é, decomposed e + U+0301, capitals, and the domain's case.
    same("zo\u{e9}@x.io", "zoe\u{301}@x.io");
    same("zo\u{e9}@x.io", "ZO\u{c9}@X.IO");
    same("ZOE\u{301}@x.io", "zo\u{e9}@x.io");
    assert_eq!(canonical_email("ZOE\u{301}@Example.IO"), "zo\u{e9}@example.io", "NFC, folded");
    // Full folding, not just lowercasing.
    same("stra\u{df}e@x.de", "STRASSE@x.de");
    same("\u{212a}elvin@x.io", "kelvin@x.io");
    same("\u{3a3}\u{391}\u{3a3}@x.gr", "\u{3c3}\u{3b1}\u{3c2}@x.gr");
    same("\u{fb01}le@x.io", "FILE@x.io");
    // Different addresses stay different.
    for (a, b) in [("zoe@x.io", "zo\u{e9}@x.io"), ("a@x.io", "b@x.io"), ("i@x.io", "\u{131}@x.io")] {
        assert_ne!(canonical_email(a), canonical_email(b), "{a:?} vs {b:?}");
    }
}

#[test]
fn the_canonical_form_is_nfc_and_a_fixed_point() {
    use unicode_normalization::UnicodeNormalization;
    for raw in
        ["Zoe\u{301}@X.io", "STRA\u{1e9e}E@x.de", "\u{130}stanbul@x.tr", "A\u{30a}ngstr\u{f6}m@x.se", "\u{13a0}@x.io"]
    {
        let canonical = canonical_email(raw);
        assert_eq!(canonical.nfc().collect::<String>(), canonical, "{raw:?} is NFC");
        assert_eq!(canonical_email(&canonical), canonical, "{raw:?} is a fixed point");
    }
}

#[test]
fn for_ascii_the_canonical_form_is_sqlite_lower() {
    // The migration canonicalizes existing pure-ASCII rows with SQL's lower(); the
    // Worker must agree with it on every ASCII character.
    let ascii: String = (0x20u8..0x7f).map(char::from).collect();
    assert_eq!(canonical_email(&ascii), ascii.to_ascii_lowercase());
    let db = rusqlite::Connection::open_in_memory().unwrap();
    let lower: String = db.query_row("SELECT lower(?1)", [&ascii], |row| row.get(0)).unwrap();
    assert_eq!(canonical_email(&ascii), lower);
}

#[test]
fn a_parsed_email_keeps_what_was_typed_and_knows_its_canonical_form() {
    let email = Email::parse("ZOE\u{301}@Example.io").unwrap();
    assert_eq!(email.as_str(), "ZOE\u{301}@Example.io");
    assert_eq!(email.canonical(), "zo\u{e9}@example.io");
}

#[test]
fn passwords_are_counted_in_characters_and_never_printed() {
    assert!(Password::parse("1234567").is_err());
    assert!(Password::parse("ééééééé").is_err());
    assert!(Password::parse("éééééééé").is_ok());
    assert!(Password::parse(&"x".repeat(1025)).is_err());
    assert!(!format!("{:?}", Password::parse("hunter2hunter2").unwrap()).contains("hunter"));
}

#[test]
fn names_refuse_slashes_controls_dots_and_overlong_input() {
    for good in ["a.txt", "résumé \"final\"; v2\\.pdf", "日本語.txt", &"x".repeat(255)] {
        assert!(FileName::parse(good, "name").is_ok(), "{good:?} refused");
    }
    for bad in ["", "a/b", "a\0b", "tab\there", "bell\u{7}", "c1\u{85}", ".", "..", &"x".repeat(256)] {
        let err = FileName::parse(bad, "name").unwrap_err();
        assert_eq!(err.problem().field.as_deref(), Some("name"));
    }
    // 255 bytes, not characters: 128 two-byte letters are 256 bytes.
    assert!(FileName::parse(&"é".repeat(128), "name").is_err());
}

/// Every character of Unicode's Bidi_Control property (Unicode 15, PropList.txt).
const BIDI_CONTROLS: [char; 12] = [
    '\u{61C}', '\u{200E}', '\u{200F}', '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}',
    '\u{2067}', '\u{2068}', '\u{2069}',
];

#[test]
fn names_folders_and_emails_refuse_every_bidi_control_wherever_it_stands() {
    for control in BIDI_CONTROLS {
        for name in [format!("invoice{control}fdp.exe"), format!("{control}a"), format!("a{control}")] {
            let err = FileName::parse(&name, "name").unwrap_err().problem();
            assert_eq!(err.field.as_deref(), Some("name"), "{name:?}");
            assert!(err.detail.contains("bidirectional"), "{}", err.detail);
            let folder = format!("/ok/{name}/deeper");
            assert_eq!(FolderPath::parse(&folder, "folder").unwrap_err().problem().field.as_deref(), Some("folder"));
            let email = format!("{name}@example.com");
            assert_eq!(Email::parse(&email).unwrap_err().problem().field.as_deref(), Some("email"), "{email:?}");
        }
    }
}

#[test]
fn neighbours_of_the_bidi_controls_are_ordinary_characters() {
    // Zero-width joiners and spaces, the characters around the ranges, and right-to-left
    // letters themselves are fine: only the invisible direction switches are refused.
    for fine in ['\u{200D}', '\u{200C}', '\u{2029}', '\u{2065}', '\u{206A}', '\u{2070}', 'א', 'ع', '\u{61B}'] {
        assert!(FileName::parse(&format!("a{fine}b"), "name").is_ok(), "U+{:04X}", fine as u32);
    }
    assert!(FileName::parse("שלום.txt", "name").is_ok());
    assert!(FolderPath::parse("/مستندات/2026", "folder").is_ok());
}

#[test]
fn folders_are_absolute_normalized_paths() {
    for good in ["/", "/a", "/a/b c/日本"] {
        assert_eq!(FolderPath::parse(good, "folder").unwrap().as_str(), good);
    }
    for bad in ["", "a", "/a/", "//", "/a//b", "/./a", "/a/..", "/a\nb", &format!("/{}", "a/".repeat(600))] {
        assert!(FolderPath::parse(bad, "folder").is_err(), "{bad:?} accepted");
    }
}

#[test]
fn descendant_prefix_never_matches_a_sibling_with_the_same_start() {
    assert_eq!(FolderPath::parse("/a", "f").unwrap().descendant_prefix(), "/a/");
    assert_eq!(FolderPath::root().descendant_prefix(), "/");
}

#[test]
fn content_types_must_be_printable_media_types() {
    assert!(ContentType::parse("text/plain; charset=utf-8", "c").is_ok());
    assert!(ContentType::parse("application/vnd.api+json", "c").is_ok());
    for bad in ["text", "text/", "/plain", "text/pl ain", "text/plain\r\nX: y", "tëxt/plain"] {
        assert!(ContentType::parse(bad, "c").is_err(), "{bad:?} accepted");
    }
}

#[test]
fn timestamps_are_rfc3339_utc_with_milliseconds() {
    assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
    assert_eq!(rfc3339(1_780_000_000_123), "2026-05-28T20:26:40.123Z");
}

#[test]
fn ids_are_32_lowercase_hex_digits() {
    let id = Id::generate().unwrap();
    assert_eq!(Id::parse(id.as_str()), Some(id.clone()));
    assert_ne!(Id::generate().unwrap(), id);
    assert_eq!(Id::parse("ABCDEF0123456789abcdef0123456789"), None);
    assert_eq!(Id::parse("../../etc/passwd"), None);
}
