//! Identifiers compatible with Qt 5's generic bearer engine, so stored
//! configuration ids survive a port: the Java-style string hash of
//! "generic:<ifindex>" over UTF-16 units, as a decimal string.

pub fn generic_identifier(ifindex: i32) -> String {
    let text = format!("generic:{ifindex}");
    let hash = text.encode_utf16().fold(0u32, |h, unit| {
        h.wrapping_mul(31).wrapping_add(u32::from(unit))
    });
    hash.to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn matches_qt5_generic_engine() {
        let cases = [
            (1, "287176526"),
            (4, "287176529"),
            (9, "287176534"),
            (10, "312537762"),
            (42, "312537857"),
            (100, "1098736078"),
        ];
        for (index, expected) in cases {
            assert_eq!(
                super::generic_identifier(index),
                expected,
                "ifindex {index}"
            );
        }
    }
}
