//! A minimal HTTP/1.1 client side: the GET request, and a parser for the
//! response head and body framing (RFC 9112). Pure functions over the bytes
//! received so far, so every malformed, truncated or oversized input is a
//! unit test away. The parser never panics and never allocates more than the
//! input it is given.

use super::url::CheckUrl;

/// The request: Connection: close, so the server may end the body by closing.
pub fn request(url: &CheckUrl) -> Vec<u8> {
    format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: libqnetworksession/{} (connectivity check)\r\n\
         Accept: */*\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n",
        url.target,
        url.host_header(),
        env!("CARGO_PKG_VERSION")
    )
    .into_bytes()
}

/// How the body of a response ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    /// 1xx, 204 and 304 responses have none, whatever their headers say.
    NoBody,
    Length(u64),
    Chunked,
    /// Until the server closes the connection.
    UntilClose,
}

/// A final response's status line and the headers the check needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Head {
    pub status: u16,
    pub framing: Framing,
}

/// What the bytes so far amount to.
#[derive(Debug, PartialEq, Eq)]
pub enum Parse<T> {
    /// Not enough bytes yet.
    Incomplete,
    Done(T),
    /// Not HTTP/1.x, or broken framing: what was wrong.
    Invalid(&'static str),
}

/// Parses the head of the final response (interim 1xx responses other than
/// 101 are skipped). Returns the head and where the body starts.
pub fn parse_head(buf: &[u8]) -> Parse<(Head, usize)> {
    let mut start = 0;
    loop {
        match parse_one_head(&buf[start..]) {
            Parse::Done((head, used)) => {
                let interim = (100..200).contains(&head.status) && head.status != 101;
                if !interim {
                    return Parse::Done((head, start + used));
                }
                start += used;
            }
            Parse::Incomplete => return Parse::Incomplete,
            Parse::Invalid(why) => return Parse::Invalid(why),
        }
    }
}

/// The next line and the offset after it; lines end in CRLF or a bare LF
/// (RFC 9112 §2.2 lets a recipient accept the latter).
fn next_line(buf: &[u8]) -> Option<(&[u8], usize)> {
    let lf = buf.iter().position(|&b| b == b'\n')?;
    let line = &buf[..lf];
    Some((line.strip_suffix(b"\r").unwrap_or(line), lf + 1))
}

fn parse_one_head(buf: &[u8]) -> Parse<(Head, usize)> {
    let Some((status_line, mut pos)) = next_line(buf) else {
        return Parse::Incomplete;
    };
    let status = match parse_status_line(status_line) {
        Ok(status) => status,
        Err(why) => return Parse::Invalid(why),
    };
    let mut headers = Headers::default();
    loop {
        let Some((line, used)) = next_line(&buf[pos..]) else {
            return Parse::Incomplete;
        };
        pos += used;
        if line.is_empty() {
            break;
        }
        if let Err(why) = headers.add(line) {
            return Parse::Invalid(why);
        }
    }
    let framing = match headers.framing(status) {
        Ok(framing) => framing,
        Err(why) => return Parse::Invalid(why),
    };
    Parse::Done((Head { status, framing }, pos))
}

/// `HTTP/1.x SP 3DIGIT [SP reason]`; the reason may be any bytes.
fn parse_status_line(line: &[u8]) -> Result<u16, &'static str> {
    let rest = line
        .strip_prefix(b"HTTP/1.")
        .ok_or("not an HTTP/1.x status line")?;
    let (&minor, rest) = rest.split_first().ok_or("not an HTTP/1.x status line")?;
    if !minor.is_ascii_digit() {
        return Err("not an HTTP/1.x status line");
    }
    let rest = rest.strip_prefix(b" ").ok_or("no status code")?;
    let (code, reason) = rest.split_at(rest.len().min(3));
    if code.len() != 3 || !code.iter().all(u8::is_ascii_digit) || code[0] == b'0' {
        return Err("no status code");
    }
    if !(reason.is_empty() || reason[0] == b' ') {
        return Err("no status code");
    }
    if reason.contains(&b'\r') {
        return Err("bare CR in the status line");
    }
    Ok(code.iter().fold(0u16, |n, d| n * 10 + u16::from(d - b'0')))
}

#[derive(Default)]
struct Headers {
    content_length: Option<u64>,
    chunked: Option<bool>,
}

/// RFC 9110 token characters (header names).
fn is_token(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn trim_ows(mut v: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = v {
        v = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = v {
        v = rest;
    }
    v
}

impl Headers {
    fn add(&mut self, line: &[u8]) -> Result<(), &'static str> {
        if line[0] == b' ' || line[0] == b'\t' {
            return Err("folded header line");
        }
        if line.contains(&b'\r') {
            return Err("bare CR in a header");
        }
        let colon = line
            .iter()
            .position(|&b| b == b':')
            .ok_or("header without a colon")?;
        let (name, value) = (&line[..colon], trim_ows(&line[colon + 1..]));
        if name.is_empty() || !name.iter().copied().all(is_token) {
            return Err("invalid header name");
        }
        if name.eq_ignore_ascii_case(b"content-length") {
            // "5", or a list of equal values ("5, 5") that proxies produce.
            for item in value.split(|&b| b == b',') {
                let n = parse_length(trim_ows(item))?;
                if self.content_length.is_some_and(|old| old != n) {
                    return Err("conflicting Content-Length");
                }
                self.content_length = Some(n);
            }
        } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
            // Only the last coding decides whether the body is chunked.
            let last = value.rsplit(|&b| b == b',').next().map(trim_ows);
            if let Some(last) = last.filter(|l| !l.is_empty()) {
                self.chunked = Some(last.eq_ignore_ascii_case(b"chunked"));
            }
        }
        Ok(())
    }

    /// RFC 9112 §6.3, for a response to GET.
    fn framing(&self, status: u16) -> Result<Framing, &'static str> {
        if status < 200 || status == 204 || status == 304 {
            return Ok(Framing::NoBody);
        }
        Ok(match (self.chunked, self.content_length) {
            (Some(true), _) => Framing::Chunked,
            (Some(false), _) => Framing::UntilClose,
            (None, Some(n)) => Framing::Length(n),
            (None, None) => Framing::UntilClose,
        })
    }
}

fn parse_length(digits: &[u8]) -> Result<u64, &'static str> {
    if digits.is_empty() || digits.len() > 19 || !digits.iter().all(u8::is_ascii_digit) {
        return Err("invalid Content-Length");
    }
    Ok(digits
        .iter()
        .fold(0u64, |n, d| n * 10 + u64::from(d - b'0')))
}

/// The body received so far, decoded; `complete` once its end was seen.
#[derive(Debug, PartialEq, Eq)]
pub struct Body {
    pub bytes: Vec<u8>,
    pub complete: bool,
}

/// Decodes the body bytes received so far. `eof`: the server closed (which
/// completes a close-delimited body; a length or chunked body cut short stays
/// incomplete, and the caller decides what that means). Trailers after a
/// chunked body are not waited for: the last chunk is all the check needs.
pub fn decode_body(framing: Framing, data: &[u8], eof: bool) -> Result<Body, &'static str> {
    Ok(match framing {
        Framing::NoBody => Body {
            bytes: Vec::new(),
            complete: true,
        },
        Framing::Length(n) => {
            let have = data.len().min(usize::try_from(n).unwrap_or(usize::MAX));
            Body {
                bytes: data[..have].to_vec(),
                complete: have as u64 == n,
            }
        }
        Framing::UntilClose => Body {
            bytes: data.to_vec(),
            complete: eof,
        },
        Framing::Chunked => decode_chunks(data)?,
    })
}

fn decode_chunks(data: &[u8]) -> Result<Body, &'static str> {
    let mut bytes = Vec::new();
    let mut pos = 0;
    loop {
        let Some((line, used)) = next_line(&data[pos..]) else {
            if data.len() - pos > 64 {
                return Err("chunk size line too long");
            }
            return Ok(Body {
                bytes,
                complete: false,
            });
        };
        // Extensions after ';' carry nothing the check needs.
        let size_text = trim_ows(line.split(|&b| b == b';').next().unwrap_or(line));
        if size_text.is_empty()
            || size_text.len() > 15
            || !size_text.iter().all(u8::is_ascii_hexdigit)
        {
            return Err("invalid chunk size");
        }
        let size = size_text.iter().fold(0usize, |n, &d| {
            n * 16 + (d as char).to_digit(16).unwrap_or(0) as usize
        });
        pos += used;
        if size == 0 {
            return Ok(Body {
                bytes,
                complete: true,
            });
        }
        let available = data.len() - pos;
        if available < size {
            bytes.extend_from_slice(&data[pos..]);
            return Ok(Body {
                bytes,
                complete: false,
            });
        }
        bytes.extend_from_slice(&data[pos..pos + size]);
        pos += size;
        match &data[pos..] {
            [b'\r', b'\n', ..] => pos += 2,
            [b'\n', ..] => pos += 1,
            [] | [b'\r'] => {
                return Ok(Body {
                    bytes,
                    complete: false,
                });
            }
            _ => return Err("no line end after a chunk"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(text: &[u8]) -> Parse<(Head, usize)> {
        parse_head(text)
    }

    fn done(status: u16, framing: Framing, used: usize) -> Parse<(Head, usize)> {
        Parse::Done((Head { status, framing }, used))
    }

    #[test]
    fn request_names_host_and_closes() {
        let url = super::super::url::parse_url("http://[::1]:8080/gen_204?x").unwrap();
        let text = String::from_utf8(request(&url)).unwrap();
        assert!(text.starts_with("GET /gen_204?x HTTP/1.1\r\nHost: [::1]:8080\r\n"));
        assert!(text.contains("\r\nUser-Agent: libqnetworksession/"));
        assert!(text.contains("\r\nConnection: close\r\n"));
        assert!(text.ends_with("\r\n\r\n"));
    }

    #[test]
    fn status_lines_and_framing() {
        let r = b"HTTP/1.1 204 No Content\r\nContent-Length: 99\r\n\r\nleft";
        assert_eq!(head(r), done(204, Framing::NoBody, r.len() - 4));
        let r = b"HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\n";
        assert_eq!(head(r), done(200, Framing::Length(5), r.len()));
        let r = b"HTTP/1.1 200\r\ntransfer-encoding: gzip, Chunked\r\ncontent-length: 3\r\n\r\n";
        assert_eq!(head(r), done(200, Framing::Chunked, r.len()));
        let r = b"HTTP/1.1 200 \r\nTransfer-Encoding: chunked, gzip\r\n\r\n";
        assert_eq!(head(r), done(200, Framing::UntilClose, r.len()));
        let r = b"HTTP/1.1 302 Found\nLocation: http://portal/\n\n";
        assert_eq!(head(r), done(302, Framing::UntilClose, r.len()));
        let r = b"HTTP/1.1 200 OK\r\nContent-Length:  7 , 7\r\nX-Bin: \xfe\xfd\r\n\r\n";
        assert_eq!(head(r), done(200, Framing::Length(7), r.len()));
        let r = b"HTTP/1.1 304 Not Modified\r\nContent-Length: 7\r\n\r\n";
        assert_eq!(head(r), done(304, Framing::NoBody, r.len()));
        let r = b"HTTP/1.1 999 Whatever \xff\xfe\r\n\r\n";
        assert_eq!(head(r), done(999, Framing::UntilClose, r.len()));
    }

    #[test]
    fn interim_responses_are_skipped_but_101_is_final() {
        let r = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early\r\nLink: x\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n";
        assert_eq!(head(r), done(204, Framing::NoBody, r.len()));
        let r = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 20";
        assert_eq!(head(r), Parse::Incomplete);
        let r = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n";
        assert_eq!(head(r), done(101, Framing::NoBody, r.len()));
    }

    #[test]
    fn truncated_heads_are_incomplete() {
        let full = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
        for n in 0..full.len() - 2 {
            assert_eq!(head(&full[..n]), Parse::Incomplete, "{n} bytes");
        }
        // A status line with no line end at all (missing CRLF) stays incomplete.
        assert_eq!(head(b"HTTP/1.1 204 No Content"), Parse::Incomplete);
    }

    #[test]
    fn garbage_is_invalid() {
        let cases: &[&[u8]] = &[
            b"SSH-2.0-OpenSSH_9.2\r\n",
            b"<html><body>hello</body></html>\n",
            b"HTTP/2 200\r\n\r\n",
            b"HTTP/1.x 200 OK\r\n\r\n",
            b"HTTP/1.1 20 OK\r\n\r\n",
            b"HTTP/1.1 2000 OK\r\n\r\n",
            b"HTTP/1.1 099 OK\r\n\r\n",
            b"HTTP/1.1  204\r\n\r\n",
            b"HTTP/1.1 20x\r\n\r\n",
            b"HTTP/1.1 204 a\rb\r\n\r\n",
            b"http/1.1 204\r\n\r\n",
            b"\xff\xfe\x00\x01\n",
            b"\n",
            b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
            b"HTTP/1.1 200 OK\r\n: empty name\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nX: a\r\n folded\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: 0x10\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\n",
        ];
        for case in cases {
            assert!(
                matches!(head(case), Parse::Invalid(_)),
                "{:?} -> {:?}",
                String::from_utf8_lossy(case),
                head(case)
            );
        }
    }

    #[test]
    fn huge_heads_are_just_incomplete_for_the_caller_to_limit() {
        let mut r = b"HTTP/1.1 200 OK\r\n".to_vec();
        for i in 0..2000 {
            r.extend_from_slice(format!("X-Filler-{i}: {}\r\n", "v".repeat(40)).as_bytes());
        }
        assert_eq!(head(&r), Parse::Incomplete);
        r.extend_from_slice(b"\r\n");
        assert_eq!(head(&r), done(200, Framing::UntilClose, r.len()));
    }

    fn body(framing: Framing, data: &[u8], eof: bool) -> Result<Body, &'static str> {
        decode_body(framing, data, eof)
    }

    fn got(bytes: &[u8], complete: bool) -> Result<Body, &'static str> {
        Ok(Body {
            bytes: bytes.to_vec(),
            complete,
        })
    }

    #[test]
    fn length_and_close_delimited_bodies() {
        assert_eq!(body(Framing::Length(5), b"hel", false), got(b"hel", false));
        assert_eq!(
            body(Framing::Length(5), b"hello++", false),
            got(b"hello", true)
        );
        assert_eq!(body(Framing::Length(0), b"", false), got(b"", true));
        // Wrong Content-Length: the server closes before sending it all.
        assert_eq!(body(Framing::Length(5), b"hel", true), got(b"hel", false));
        assert_eq!(
            body(Framing::Length(u64::MAX), b"abc", false),
            got(b"abc", false)
        );
        assert_eq!(body(Framing::UntilClose, b"abc", false), got(b"abc", false));
        assert_eq!(body(Framing::UntilClose, b"abc", true), got(b"abc", true));
        assert_eq!(body(Framing::NoBody, b"junk", false), got(b"", true));
    }

    #[test]
    fn chunked_bodies() {
        let full =
            b"4;ext=1\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nTrailer: x\r\n\r\n";
        assert_eq!(
            body(Framing::Chunked, full, false),
            got(b"Wikipedia in\r\n\r\nchunks.", true)
        );
        // Every truncation is incomplete, whether or not the server closed.
        let end = full.len() - b"0\r\nTrailer: x\r\n\r\n".len();
        for n in 0..end + 2 {
            for eof in [false, true] {
                let partial = body(Framing::Chunked, &full[..n], eof);
                assert!(matches!(&partial, Ok(b) if !b.complete), "{n}: {partial:?}");
            }
        }
        assert_eq!(
            body(Framing::Chunked, b"3\nabc\n0\n", false),
            got(b"abc", true)
        );
        assert_eq!(body(Framing::Chunked, b"0\r\n", false), got(b"", true));
        for bad in [
            &b"zz\r\n"[..],
            b"\r\n",
            b"3\r\nabcX",
            b"1234567890abcdef0\r\n",
            b";x\r\n",
        ] {
            assert!(body(Framing::Chunked, bad, false).is_err(), "{bad:?}");
        }
        // A size line that never ends is refused rather than buffered forever.
        assert!(body(Framing::Chunked, &[b'1'; 100], false).is_err());
        // A huge announced chunk only holds what arrived.
        assert_eq!(
            body(Framing::Chunked, b"fffffffffffffff\r\nab", false),
            got(b"ab", false)
        );
    }

    /// Random and mutated input never panics (the deadline and size limits
    /// are the probe's; the parser only has to stay sound).
    #[test]
    fn random_and_mutated_bytes_do_not_panic() {
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let samples: &[&[u8]] = &[
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
            b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n",
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 302 Found\nLocation: /x\n\n",
        ];
        let alphabet = b"HTTP/1.0 2\r\n:;,-chunkedContent-Length0123456789abcdef \t\xff";
        for round in 0..20_000 {
            let mut input = samples[round % samples.len()].to_vec();
            for _ in 0..(next() % 6) {
                let i = (next() as usize) % (input.len() + 1);
                match next() % 3 {
                    0 if i < input.len() => input[i] = alphabet[(next() as usize) % alphabet.len()],
                    1 if i < input.len() => {
                        input.remove(i);
                    }
                    _ => input.insert(i, alphabet[(next() as usize) % alphabet.len()]),
                }
            }
            if round % 7 == 0 {
                input = (0..next() % 200).map(|_| next() as u8).collect();
            }
            if let Parse::Done((h, used)) = parse_head(&input) {
                assert!(used <= input.len());
                let _ = decode_body(h.framing, &input[used..], round % 2 == 0);
            }
            let _ = decode_body(Framing::Chunked, &input, false);
        }
    }
}
