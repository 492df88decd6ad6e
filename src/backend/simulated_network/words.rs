//! Splits one line of a simulated-network file into words.
//!
//! A word is separated by spaces or tabs and is either a value or
//! `key=value`. A value is bare (no spaces, no quotes) or a double-quoted
//! string (`\"` and `\\` the only escapes); a list value is items separated
//! by commas, each item bare or quoted. A `#` that begins a word starts a
//! comment. Quotes are allowed only around a whole value or a whole list
//! item, so every line has exactly one reading.

/// One word of a line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    /// The part before the first `=` of a bare word.
    pub key: Option<String>,
    /// The value with its quotes removed, commas kept.
    pub text: String,
    /// The value split at its unquoted commas, quotes removed.
    pub items: Vec<String>,
}

impl Word {
    /// What the line said, for messages.
    pub fn shown(&self) -> String {
        match &self.key {
            Some(key) => format!("{key}={}", self.text),
            None => self.text.clone(),
        }
    }
}

/// The words of one line (without its line break), comments dropped.
pub fn split(line: &str) -> Result<Vec<Word>, String> {
    if let Some(c) = line.chars().find(|c| c.is_control() && *c != '\t') {
        return Err(format!(
            "control character U+{:04X} (only tabs and spaces separate words)",
            c as u32
        ));
    }
    let mut words = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        while chars.next_if(|c| *c == ' ' || *c == '\t').is_some() {}
        match chars.peek() {
            None | Some('#') => return Ok(words),
            Some(_) => words.push(word(&mut chars)?),
        }
    }
}

fn word(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Result<Word, String> {
    let mut key = None;
    let mut text = String::new();
    let mut items = Vec::new();
    let mut item = String::new();
    // At the start of an item, where a quote may open.
    let mut item_start = true;
    // Right after a closing quote, where only a comma or the word's end may follow.
    let mut after_quote = false;
    // A quote or comma was seen: a later '=' is part of the value.
    let mut plain_so_far = true;
    while let Some(&c) = chars.peek() {
        if c == ' ' || c == '\t' {
            break;
        }
        chars.next();
        if after_quote && c != ',' {
            return Err(format!(
                "'{c}' right after a closing quote (quote the whole value)"
            ));
        }
        match c {
            '"' if item_start => {
                let quoted = quoted(chars)?;
                text.push_str(&quoted);
                item.push_str(&quoted);
                item_start = false;
                after_quote = true;
                plain_so_far = false;
            }
            '"' => {
                return Err(format!(
                    "a quote inside \"{text}{c}…\" (quote the whole value, e.g. name=\"two words\")"
                ));
            }
            ',' => {
                items.push(std::mem::take(&mut item));
                text.push(',');
                item_start = true;
                after_quote = false;
                plain_so_far = false;
            }
            '=' if key.is_none() && plain_so_far => {
                if !is_key(&text) {
                    return Err(format!(
                        "\"{text}=\" is not a key (keys are lower-case letters, digits and '-')"
                    ));
                }
                key = Some(std::mem::take(&mut text));
                item.clear();
                item_start = true;
            }
            _ => {
                text.push(c);
                item.push(c);
                item_start = false;
            }
        }
    }
    items.push(item);
    Ok(Word { key, text, items })
}

/// The rest of a quoted string, after its opening quote.
fn quoted(chars: &mut impl Iterator<Item = char>) -> Result<String, String> {
    let mut out = String::new();
    loop {
        match chars.next() {
            None => return Err("a quote that is not closed on this line".to_owned()),
            Some('"') => return Ok(out),
            Some('\\') => match chars.next() {
                Some(c @ ('"' | '\\')) => out.push(c),
                Some(c) => {
                    return Err(format!(
                        "unknown escape \\{c} in a quoted string (only \\\" and \\\\)"
                    ));
                }
                None => return Err("a quote that is not closed on this line".to_owned()),
            },
            Some(c) => out.push(c),
        }
    }
}

fn is_key(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bare(text: &str) -> Word {
        Word {
            key: None,
            text: text.to_owned(),
            items: vec![text.to_owned()],
        }
    }

    fn keyed(key: &str, text: &str, items: &[&str]) -> Word {
        Word {
            key: Some(key.to_owned()),
            text: text.to_owned(),
            items: items.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn words_keys_quotes_and_comments() {
        assert_eq!(
            split("access-point  \"Home WiFi\"\tname=\"Home \\\"W\\\\\" metered # a comment")
                .unwrap(),
            vec![
                bare("access-point"),
                bare("Home WiFi"),
                keyed("name", "Home \"W\\", &["Home \"W\\"]),
                bare("metered"),
            ]
        );
        assert_eq!(split("   # only a comment").unwrap(), vec![]);
        assert_eq!(split("").unwrap(), vec![]);
        assert_eq!(split("a#b").unwrap(), vec![bare("a#b")]);
    }

    #[test]
    fn lists_and_equals_signs() {
        assert_eq!(
            split("children=eth0,\"My Wi-Fi\",cell").unwrap(),
            vec![keyed(
                "children",
                "eth0,My Wi-Fi,cell",
                &["eth0", "My Wi-Fi", "cell"]
            )]
        );
        assert_eq!(
            split("name=a=b").unwrap(),
            vec![keyed("name", "a=b", &["a=b"])]
        );
        assert_eq!(split("name=").unwrap(), vec![keyed("name", "", &[""])]);
        assert_eq!(split("\"a=b\"").unwrap(), vec![bare("a=b")]);
        assert_eq!(split("name=\"\"").unwrap(), vec![keyed("name", "", &[""])]);
        assert_eq!(
            split("name=\"ü ✓\"").unwrap(),
            vec![keyed("name", "ü ✓", &["ü ✓"])]
        );
    }

    #[test]
    fn ambiguous_or_broken_words_are_errors() {
        for bad in [
            "name=\"open",
            "name=\"a\"b",
            "name=a\"b\"",
            "name=\"a\\n\"",
            "Name=x",
            "=x",
            "name=\"a\"=b",
            "a\u{1}b",
            "a\rb",
        ] {
            assert!(split(bad).is_err(), "{bad:?} should be an error");
        }
    }
}
