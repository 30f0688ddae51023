//! Property tests over everything that parses untrusted input: the reply decoder, the 227/229
//! parsers, FEAT and the facts in other replies (257, SIZE, MDTM, MLST, REST, checksums), the
//! listing parsers, URL parsing and command encoding.
//!
//! They run in CI with a bounded number of cases (each block's `ProptestConfig`), so the whole
//! file takes seconds (`PASV_FUZZ_CASES=N` for a longer run). Inputs are a mix of plain arbitrary data and generators that build
//! nearly-valid protocol text, so the interesting branches are reached, not only the early
//! "not a reply" exits. Failures print the shrunk input; no regression files are written.

use proptest::prelude::*;
use proptest::test_runner::Config as ProptestConfig;

use pasv::app::Target;
use pasv::proto::calendar::format_timestamp;
use pasv::proto::checksum::digest_in;
use pasv::proto::command::{ProtectionLevel, TransferType};
use pasv::proto::listing::{parse_list_line, parse_listing, parse_mlsx_line};
use pasv::proto::reply::ReplyLimits;
use pasv::proto::{
    Arg, ArgError, Command, Features, HashAlgorithm, PassiveError, Reply, ReplyCode, ReplyDecoder, ReplyError,
    SentCommand, Verb, facts, parse_227, parse_229,
};

/// `cases` per property; `PASV_FUZZ_CASES=N` runs N instead, for a longer hunt by hand.
fn config(cases: u32) -> ProptestConfig {
    let cases = std::env::var("PASV_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(cases);
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
}

// ---------------------------------------------------------------------------------------------
// Reply decoder
// ---------------------------------------------------------------------------------------------

/// Pieces that reply streams are made of, hostile ones included.
fn reply_piece() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => prop::sample::select(vec!["220", "220-", "220 ", "150-", "150 ", "226 ", "211-", "211 ", "099 ", "600 "])
            .prop_map(|s| s.as_bytes().to_vec()),
        3 => prop::sample::select(vec!["\r\n", "\n", "\r", " ", "-"]).prop_map(|s| s.as_bytes().to_vec()),
        2 => "[a-zA-Z0-9 ,.()|]{0,12}".prop_map(String::into_bytes),
        1 => prop::collection::vec(any::<u8>(), 0..8),
        1 => (1usize..200, any::<u8>()).prop_map(|(n, b)| vec![b; n]),
        1 => Just(vec![0xff, 0xfe, 0xc3]),
        1 => Just(b"\x1b[31m\x07".to_vec()),
    ]
}

fn reply_stream() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(reply_piece(), 0..60).prop_map(|pieces| pieces.concat()),
        prop::collection::vec(any::<u8>(), 0..512),
    ]
}

fn small_limits() -> impl Strategy<Value = ReplyLimits> {
    (1usize..96, 1usize..10, 1usize..400).prop_map(|(max_line, max_lines, max_size)| ReplyLimits {
        max_line,
        max_lines,
        max_size,
    })
}

/// What decoding a stream produced: the replies, the first error (decoding stops there, as the
/// engine does), and the undecoded rest when there was no error.
#[derive(Debug, PartialEq, Eq)]
struct Decoded {
    replies: Vec<Reply>,
    error: Option<ReplyError>,
    rest: Vec<u8>,
}

/// Feeds `input` in chunks of the given sizes (cycled; the whole input at once when empty),
/// decoding after every chunk like the engine's read loop does, and checks the memory bounds
/// on the way.
fn decode_chunked(input: &[u8], chunks: &[usize], limits: ReplyLimits) -> Decoded {
    let mut decoder = ReplyDecoder::new(limits);
    let mut buf = Vec::new();
    let mut out = Decoded { replies: Vec::new(), error: None, rest: Vec::new() };
    let mut fed = 0;
    let mut sizes = chunks.iter().copied().cycle();
    while fed < input.len() {
        let n = if chunks.is_empty() { input.len() } else { sizes.next().unwrap_or(1).max(1) };
        let end = (fed + n).min(input.len());
        buf.extend_from_slice(&input[fed..end]);
        fed = end;
        loop {
            match decoder.decode(&mut buf) {
                Ok(Some(reply)) => {
                    check_reply_bounds(&reply, limits);
                    out.replies.push(reply);
                }
                Ok(None) => {
                    // The caller's buffer never holds more than one unfinished line.
                    assert!(buf.len() <= limits.max_line, "buffer grew to {} with {limits:?}", buf.len());
                    break;
                }
                Err(e) => {
                    out.error = Some(e);
                    return out;
                }
            }
        }
    }
    out.rest = buf;
    out
}

fn check_reply_bounds(reply: &Reply, limits: ReplyLimits) {
    assert!((100..600).contains(&reply.code.0), "code {}", reply.code);
    assert!(!reply.lines.is_empty());
    assert!(reply.lines.len() <= limits.max_lines.max(1), "{} lines with {limits:?}", reply.lines.len());
    // Lossy UTF-8 decoding turns one bad byte into three (U+FFFD), nothing grows more.
    let text: usize = reply.lines.iter().map(String::len).sum();
    let raw_bound = limits.max_size.max(limits.max_line + 2);
    assert!(text <= 3 * raw_bound, "{text} bytes of text with {limits:?}");
    for line in &reply.lines {
        assert!(!line.contains('\n'), "a line break inside a reply line: {line:?}");
    }
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn reply_decoder_gives_the_same_replies_whatever_the_chunking(
        input in reply_stream(),
        chunks in prop::collection::vec(1usize..40, 0..8),
        limits in small_limits(),
    ) {
        let whole = decode_chunked(&input, &[], limits);
        let bytewise = decode_chunked(&input, &[1], limits);
        let chunked = decode_chunked(&input, &chunks, limits);
        prop_assert_eq!(&whole, &bytewise);
        prop_assert_eq!(&whole, &chunked);
    }

    #[test]
    fn reply_decoder_keeps_default_caps_on_arbitrary_bytes(input in prop::collection::vec(any::<u8>(), 0..4096)) {
        decode_chunked(&input, &[997], ReplyLimits::default());
    }

    #[test]
    fn decoded_replies_survive_display_and_decoding_again(input in reply_stream()) {
        let limits = ReplyLimits::default();
        let decoded = decode_chunked(&input, &[], limits);
        let generous = ReplyLimits { max_line: usize::MAX / 4, max_lines: usize::MAX / 4, max_size: usize::MAX / 4 };
        for reply in decoded.replies {
            let mut wire = reply.to_string().replace('\n', "\r\n").into_bytes();
            wire.extend_from_slice(b"\r\n");
            let again = decode_chunked(&wire, &[], generous);
            prop_assert_eq!(again.error, None);
            prop_assert_eq!(again.rest, Vec::<u8>::new());
            prop_assert_eq!(again.replies, vec![reply]);
        }
    }
}

#[test]
fn reply_decoder_caps_an_endless_multi_line_reply() {
    // A server that never ends its multi-line reply: the cap, not the memory, ends it.
    let limits = ReplyLimits::default();
    let mut decoder = ReplyDecoder::new(limits);
    let mut buf = b"220-welcome\r\n".to_vec();
    let mut result = Ok(None);
    for _ in 0..limits.max_lines + 10 {
        buf.extend_from_slice(b"220-still talking\r\n");
        result = decoder.decode(&mut buf);
        if result.is_err() {
            break;
        }
        assert!(buf.is_empty());
    }
    assert_eq!(result, Err(ReplyError::TooManyLines { limit: limits.max_lines }));
}

// ---------------------------------------------------------------------------------------------
// 227 / 229
// ---------------------------------------------------------------------------------------------

/// Text around a passive address: what servers put before and after it.
fn passive_padding() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("Entering Passive Mode (".to_string()),
        Just("Entering Passive Mode ".to_string()),
        Just("=".to_string()),
        "[ a-zA-Z().=|,-]{0,16}",
        any::<String>(),
    ]
}

proptest! {
    #![proptest_config(config(1000))]

    #[test]
    fn parse_227_never_panics_and_round_trips(text in any::<String>()) {
        check_227(&text)?;
    }

    #[test]
    fn parse_227_on_nearly_valid_text(
        before in passive_padding(),
        numbers in prop::collection::vec(0u64..400, 0..8),
        separator in prop::sample::select(vec![",", ", ", " , ", ",,", ";"]),
        after in passive_padding(),
    ) {
        let list: Vec<String> = numbers.iter().map(u64::to_string).collect();
        let text = format!("{before}{}{after}", list.join(separator));
        check_227(&text)?;
    }

    #[test]
    fn parse_227_accepts_exactly_six_bytes_and_a_port(
        numbers in prop::array::uniform6(prop_oneof![4 => 0u64..=255, 1 => 256u64..100_000, 1 => any::<u64>()]),
    ) {
        let [h1, h2, h3, h4, p1, p2] = numbers;
        let text = format!("Entering Passive Mode ({h1},{h2},{h3},{h4},{p1},{p2}).");
        let parsed = parse_227(&text);
        if numbers.iter().any(|&n| n > 255) {
            prop_assert!(matches!(parsed, Err(PassiveError::NoAddress { .. })), "{text}: {parsed:?}");
        } else if p1 == 0 && p2 == 0 {
            prop_assert_eq!(parsed, Err(PassiveError::PortZero));
        } else {
            let parsed = parsed.map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
            prop_assert_eq!(parsed.addr.ip().octets().map(u64::from), [h1, h2, h3, h4]);
            prop_assert_eq!((u64::from(parsed.p1), u64::from(parsed.p2)), (p1, p2));
            prop_assert_eq!(u64::from(parsed.addr.port()), p1 * 256 + p2);
        }
    }

    #[test]
    fn parse_229_never_panics_and_round_trips(text in any::<String>()) {
        check_229(&text)?;
    }

    #[test]
    fn parse_229_accepts_one_delimiter_and_a_port(
        before in passive_padding(),
        delimiter in (33u8..=126).prop_filter("not a digit or '('", |d| !d.is_ascii_digit() && *d != b'('),
        closing in (33u8..=126).prop_filter("not a digit or '('", |d| !d.is_ascii_digit() && *d != b'('),
        port in prop_oneof![3 => 0u64..=65535, 1 => 65536u64..10_000_000, 1 => any::<u64>()],
    ) {
        let (d, c) = (char::from(delimiter), char::from(closing));
        // `before` must not itself hold a valid (|||port|) that would be found first.
        prop_assume!(parse_229(&before).is_err());
        let text = format!("{before}({d}{d}{d}{port}{c})");
        let parsed = parse_229(&text);
        if d != c || port > 65535 {
            prop_assert!(matches!(parsed, Err(PassiveError::NoPort { .. })), "{text}: {parsed:?}");
        } else if port == 0 {
            prop_assert_eq!(parsed, Err(PassiveError::PortZero));
        } else {
            prop_assert_eq!(parsed.map(u64::from), Ok(port), "{}", text);
        }
    }
}

/// Any 227 that parses names a usable port and survives being written out again.
fn check_227(text: &str) -> Result<(), TestCaseError> {
    if let Ok(parsed) = parse_227(text) {
        let port = parsed.addr.port();
        prop_assert_ne!(port, 0);
        prop_assert_eq!(port, u16::from(parsed.p1) * 256 + u16::from(parsed.p2));
        let [a, b, c, d] = parsed.addr.ip().octets();
        let again = format!("{a},{b},{c},{d},{},{}", parsed.p1, parsed.p2);
        prop_assert_eq!(parse_227(&again), Ok(parsed), "{}", again);
        prop_assert_eq!(parse_227(&format!("227 Entering Passive Mode ({again})")), Ok(parsed));
    }
    Ok(())
}

fn check_229(text: &str) -> Result<(), TestCaseError> {
    if let Ok(port) = parse_229(text) {
        prop_assert_ne!(port, 0);
        prop_assert_eq!(parse_229(&format!("Entering Extended Passive Mode (|||{port}|)")), Ok(port));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Listings
// ---------------------------------------------------------------------------------------------

/// `now` values: ordinary times and the extremes of i64.
fn any_now() -> impl Strategy<Value = i64> {
    prop_oneof![4 => 0i64..4_102_444_800, 1 => any::<i64>(), 1 => Just(i64::MIN), 1 => Just(i64::MAX)]
}

/// Unix `ls -l` lines with every field varied, hostile names included.
fn unix_list_line() -> impl Strategy<Value = String> {
    let perms = prop_oneof![
        "[-dlbcps][-rwxsStT]{9}[+@.]?",
        Just("drwxr-xr-x".to_string()),
        Just("-rw-r--r--".to_string()),
        Just("lrwxrwxrwx".to_string()),
    ];
    let number = prop_oneof!["[0-9]{1,4}", "[0-9]{19,22}", Just("3,".to_string()), "[a-z]{1,8}"];
    let month = prop::sample::select(vec!["Jan", "feb", "MAR", "Dec", "Foo", "---"]);
    let day = prop_oneof!["[0-9]{1,2}", Just("--".to_string())];
    let when = prop_oneof!["[0-9]{1,2}:[0-9]{2}", "[0-9]{4}", Just("--:--".to_string()), "[0-9:]{1,6}"];
    let name = prop_oneof![
        "[a-zA-Z0-9 ._-]{0,20}",
        Just("..".to_string()),
        Just(".".to_string()),
        Just("/etc/passwd".to_string()),
        Just("../../x".to_string()),
        Just("a -> /etc".to_string()),
        Just(" -> ".to_string()),
        Just("evil\x1b[2J\u{9b}".to_string()),
        any::<String>(),
    ];
    (perms, prop::collection::vec(number, 0..5), month, day, when, name, prop::sample::select(vec![" ", "  ", "\t"]))
        .prop_map(|(perms, middle, month, day, when, name, sep)| {
            let mut fields = vec![perms];
            fields.extend(middle);
            fields.extend([month.to_string(), day, when]);
            format!("{} {name}", fields.join(sep))
        })
}

/// DOS / IIS `dir` lines.
fn dos_list_line() -> impl Strategy<Value = String> {
    let date = "[0-9]{1,2}[-/][0-9]{1,2}[-/]([0-9]{2}|[0-9]{4})";
    let time = prop_oneof!["[0-9]{1,2}:[0-9]{2}(AM|PM|am|pm)?", "[0-9]{1,2}:[0-9]{2} (AM|PM)"];
    let size = prop_oneof![Just("<DIR>".to_string()), "[0-9]{1,3}(,[0-9]{3}){0,3}", "[0-9.,]{1,12}"];
    let name = prop_oneof!["[a-zA-Z0-9 ._-]{0,20}", Just("..".to_string()), any::<String>()];
    (date, time, size, name).prop_map(|(date, time, size, name)| format!("{date}  {time}  {size:>14} {name}"))
}

/// MLSD fact lines.
fn mlsx_line() -> impl Strategy<Value = String> {
    let fact = prop_oneof![
        Just("type=file".to_string()),
        Just("type=dir".to_string()),
        Just("type=cdir".to_string()),
        Just("type=pdir".to_string()),
        Just("Type=OS.unix=slink:/etc".to_string()),
        Just("type=OS.unix=symlink".to_string()),
        "size=[0-9]{0,22}",
        "sizd=[0-9]{0,5}",
        "modify=[0-9]{14}(\\.[0-9]{0,3})?",
        "modify=[0-9.]{0,16}",
        "unix.mode=[0-9]{0,6}",
        "perm=[a-z]{0,6}",
        "[a-zA-Z.]{0,6}=?[^; ]{0,6}",
    ];
    let name = prop_oneof![
        "[a-zA-Z0-9 ._-]{0,20}",
        Just("..".to_string()),
        Just("/abs".to_string()),
        Just("a\u{0}b".to_string()),
        any::<String>(),
    ];
    (prop::collection::vec(fact, 0..6), prop::bool::ANY, prop::bool::ANY, name).prop_map(
        |(facts, trailing, indent, name)| {
            let mut facts = facts.join(";");
            if trailing {
                facts.push(';');
            }
            format!("{}{facts} {name}", if indent { " " } else { "" })
        },
    )
}

fn listing_body() -> impl Strategy<Value = Vec<u8>> {
    let line = prop_oneof![
        unix_list_line().prop_map(String::into_bytes),
        dos_list_line().prop_map(String::into_bytes),
        mlsx_line().prop_map(String::into_bytes),
        Just(b"total 12".to_vec()),
        prop::collection::vec(any::<u8>(), 0..40),
    ];
    (prop::collection::vec(line, 0..12), prop::sample::select(vec!["\r\n", "\n"]))
        .prop_map(|(lines, end)| lines.join(end.as_bytes()))
}

proptest! {
    #![proptest_config(config(1000))]

    #[test]
    fn list_lines_never_panic_and_names_are_never_empty(
        line in prop_oneof![unix_list_line(), dos_list_line(), any::<String>()],
        now in any_now(),
    ) {
        if let Some(entry) = parse_list_line(&line, now) {
            prop_assert!(!entry.name.is_empty(), "{line:?} -> {entry:?}");
            prop_assert!(entry.name != "." && entry.name != "..", "{line:?} -> {entry:?}");
        }
    }

    #[test]
    fn plain_unix_names_come_back_exactly(
        name in "[a-zA-Z0-9._-][a-zA-Z0-9 ._-]{0,20}",
        size in 0u64..u64::MAX,
        now in any_now(),
    ) {
        prop_assume!(name != "." && name != "..");
        let line = format!("-rw-r--r--   1 owner group {size:>10} Mar  4  2021 {name}");
        let entry = parse_list_line(&line, now);
        prop_assert_eq!(entry.as_ref().map(|e| (e.name.as_str(), e.size)), Some((name.as_str(), Some(size))));
    }

    #[test]
    fn mlsx_lines_never_panic_and_names_are_never_empty(line in prop_oneof![mlsx_line(), any::<String>()]) {
        if let Ok(Some(entry)) = parse_mlsx_line(&line) {
            prop_assert!(!entry.name.is_empty(), "{line:?} -> {entry:?}");
            prop_assert!(entry.name != "." && entry.name != "..", "{line:?} -> {entry:?}");
        }
    }

    #[test]
    fn listings_never_panic_and_account_for_every_line(
        body in prop_oneof![listing_body(), prop::collection::vec(any::<u8>(), 0..600)],
        mlsd in prop::bool::ANY,
        now in any_now(),
    ) {
        let listing = parse_listing(&body, mlsd, now);
        let lines = body.split(|&b| b == b'\n').count();
        prop_assert!(listing.entries.len() + listing.unparsed.len() <= lines);
        for entry in &listing.entries {
            prop_assert!(!entry.name.is_empty(), "{entry:?}");
            prop_assert!(entry.name != "." && entry.name != "..", "{entry:?}");
            prop_assert!(!entry.name.contains('\n'), "{entry:?}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// FEAT and the facts in other replies
// ---------------------------------------------------------------------------------------------

/// Lines of FEAT-like and fact-like replies, hostile ones included.
fn reply_line() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => prop::sample::select(vec![
            " EPSV", " MLST type*;size*;modify*;", " REST STREAM", " REST", " SIZE", " MDTM", " UTF8",
            " MFMT", " HASH SHA-256*;MD5;SHA-1", " HASH", " AUTH TLS", " XSHA512", " SITE MD5", " XCRC",
            "Features:", "End", "\"/home/a \"\"b\"\"\" is cwd", "\"", "\"\"\"", "20010909014640",
            "20010909014640.5", " type=file;size=5;modify=20010909014640; f", " type=dir; d", "Restarting at 100.",
        ])
        .prop_map(String::from),
        2 => "[ a-zA-Z0-9;=*.\"-]{0,24}",
        1 => any::<String>(),
    ]
}

fn any_reply() -> impl Strategy<Value = Reply> {
    (100u16..600, prop::collection::vec(reply_line(), 0..8))
        .prop_map(|(code, lines)| Reply { code: ReplyCode(code), lines })
}

proptest! {
    #![proptest_config(config(1000))]

    #[test]
    fn reply_facts_never_panic_and_keep_their_promises(reply in prop_oneof![
        any_reply(),
        prop::collection::vec(reply_line(), 0..8).prop_map(|lines| Reply { code: ReplyCode(211), lines }),
        prop::collection::vec(reply_line(), 0..3).prop_map(|lines| Reply { code: ReplyCode(213), lines }),
    ]) {
        let features = Features::parse(&reply);
        if reply.code == ReplyCode(211) {
            prop_assert_eq!(features.lines.len(), reply.lines.len().saturating_sub(2));
            for line in &features.lines {
                prop_assert_eq!(line.as_str(), line.trim());
            }
        } else {
            prop_assert_eq!(&features, &Features::default());
        }
        let _ = (features.offers_auth_tls(), features.checksum_method());
        let _ = facts::directory(&reply);
        if facts::size(&reply).is_some() || facts::modified(&reply).is_some() {
            prop_assert_eq!(reply.code, ReplyCode(213));
        }
        let _ = facts::stated_time(&reply);
        if let Some(entry) = facts::machine_facts(&reply) {
            prop_assert!(!entry.name.is_empty(), "{reply:?} -> {entry:?}");
        }
        let _ = facts::restart_honoured(&reply, 100);
        for algorithm in [HashAlgorithm::Sha512, HashAlgorithm::Sha1, HashAlgorithm::Crc32] {
            if let Some(hex) = digest_in(&reply, algorithm) {
                prop_assert!(hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)), "{hex}");
            }
        }
    }

    #[test]
    fn a_257_gives_back_exactly_the_directory_it_quotes(path in any::<String>(), text in "[ a-zA-Z.]{0,20}") {
        let quoted = path.replace('"', "\"\"");
        let reply = Reply { code: ReplyCode(257), lines: vec![format!("\"{quoted}\"{text}")] };
        prop_assert_eq!(facts::directory(&reply), path);
    }

    #[test]
    fn sizes_and_times_come_back_exactly(
        size in any::<u64>(),
        unix in 0i64..253_402_300_800,
        pad in prop::sample::select(vec!["", " ", "  "]),
    ) {
        let reply = |text: String| Reply { code: ReplyCode(213), lines: vec![text] };
        prop_assert_eq!(facts::size(&reply(format!("{pad}{size}{pad}"))), Some(size));
        prop_assert_eq!(facts::modified(&reply(format!("{pad}{}{pad}", format_timestamp(unix)))), Some(unix));
    }

    #[test]
    fn a_350_naming_the_offset_is_honoured(offset in any::<u64>(), before in "[a-zA-Z .]{0,20}", after in "[a-zA-Z .]{0,20}") {
        let reply = Reply { code: ReplyCode(350), lines: vec![format!("{before}{offset}{after}")] };
        prop_assert!(facts::restart_honoured(&reply, offset));
        let other = Reply { code: ReplyCode(350), lines: vec![format!("{before}{}{after}", offset.wrapping_add(1))] };
        prop_assert!(!facts::restart_honoured(&other, offset));
    }

    #[test]
    fn a_digest_is_found_wherever_it_stands(
        digest in prop::collection::vec(any::<u8>(), 20),
        before in "([a-zA-Z0-9-]{1,8} ){0,3}",
        after in "( [a-zA-Z0-9.-]{1,8}){0,2}",
    ) {
        let hex: String = digest.iter().map(|b| format!("{b:02X}")).collect();
        let reply = Reply { code: ReplyCode(213), lines: vec![format!("{before}{hex}{after}")] };
        prop_assert_eq!(digest_in(&reply, HashAlgorithm::Sha1), Some(hex.to_ascii_lowercase()));
    }

    #[test]
    fn typed_lines_never_show_a_password(secret in "[!-~]{1,20}", case in prop::sample::select(vec!["PASS", "pass", "Pass"]), space in "[ \t]{0,3}") {
        let sent = SentCommand::typed(&format!("{space}{case} {secret}"));
        prop_assert_eq!(sent.verb(), Verb::Pass);
        prop_assert_eq!(sent.to_string(), "PASS ****");
        // Nothing of the secret is kept, so no form of the value can show it.
        prop_assert_eq!(&sent, &SentCommand::typed("PASS"));
    }

    #[test]
    fn any_typed_line_has_a_verb_and_shows_as_typed_unless_a_pass(line in any::<String>()) {
        let sent = SentCommand::typed(&line);
        if sent.verb() == Verb::Pass {
            prop_assert_eq!(sent.to_string(), "PASS ****");
        } else {
            prop_assert_eq!(sent.to_string(), line);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// URLs
// ---------------------------------------------------------------------------------------------

fn url_text() -> impl Strategy<Value = String> {
    let scheme = prop::sample::select(vec!["ftp://", "ftps://", "ftpes://", "http://", "ftp:", "FTP://", ""]);
    let userinfo = prop_oneof![
        Just(String::new()),
        "[a-z%0-9]{0,6}@",
        "[a-z%0-9]{0,6}:[a-z%0-9@]{0,6}@",
        any::<String>().prop_map(|s| format!("{s}@")),
    ];
    let host = prop_oneof![
        Just("127.0.0.1".to_string()),
        Just("[::1]".to_string()),
        Just("example.org".to_string()),
        "[a-z0-9.%-]{0,12}",
        Just("[::1".to_string()),
    ];
    let port = prop_oneof![Just(String::new()), "(:[0-9]{0,7})"];
    let path = prop_oneof![
        "(/[a-zA-Z0-9%._ -]{0,8}){0,4}/?",
        Just("/a%0d%0aDELE%20b".to_string()),
        Just("/%2Fetc/passwd".to_string()),
        Just("/a/../../b".to_string()),
        "(/(%[0-9a-fA-F]{2}){0,6}){0,3}",
        any::<String>().prop_map(|s| format!("/{s}")),
    ];
    (scheme, userinfo, host, port, path).prop_map(|(s, u, h, p, path)| format!("{s}{u}{h}{p}{path}"))
}

fn has_control(s: &str) -> bool {
    s.chars().any(char::is_control)
}

proptest! {
    #![proptest_config(config(1000))]

    #[test]
    fn urls_never_panic_and_never_carry_control_characters(input in prop_oneof![url_text(), any::<String>()]) {
        if let Ok(target) = Target::parse(&input) {
            prop_assert!(!has_control(&target.path), "{input:?} -> {target:?}");
            prop_assert!(!target.user.as_deref().is_some_and(has_control), "{input:?} -> {target:?}");
            prop_assert!(!target.password.as_deref().is_some_and(has_control), "{input:?} -> {target:?}");
            prop_assert!(!target.endpoint.host.is_empty(), "{input:?} -> {target:?}");
            // Whatever the URL said, the path is one argument on the control connection.
            if let Some(path) = target.remote_path() {
                prop_assert!(Arg::new(path).is_ok(), "{input:?} -> {target:?}");
            }
        }
    }

    #[test]
    fn raw_control_characters_in_a_url_are_refused(
        before in "[a-z]{0,6}",
        control in prop::sample::select(vec!['\r', '\n', '\t', '\0', '\x1b', '\u{7f}', '\u{85}']),
        after in "[a-z ]{0,6}",
    ) {
        // The URL parser would silently drop a raw CR, LF or tab and name a different file.
        let input = format!("ftp://127.0.0.1/{before}{control}{after}");
        prop_assert!(Target::parse(&input).is_err(), "{input:?} -> {:?}", Target::parse(&input));
    }

    #[test]
    fn percent_encoded_paths_decode_to_exactly_what_was_encoded(segment in any::<String>()) {
        // "." and ".." (also as %2e) are dot segments that URL parsing resolves away.
        prop_assume!(segment != "." && segment != "..");
        let encoded: String = segment.bytes().map(|b| format!("%{b:02X}")).collect();
        let parsed = Target::parse(&format!("ftp://127.0.0.1/{encoded}"));
        if has_control(&segment) {
            prop_assert!(parsed.is_err(), "{segment:?} -> {parsed:?}");
        } else {
            let target = parsed.map_err(|e| TestCaseError::fail(format!("{segment:?}: {e}")))?;
            prop_assert_eq!(target.path, segment);
            prop_assert!(!target.is_dir || encoded.is_empty());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Command encoding
// ---------------------------------------------------------------------------------------------

fn commands_with(arg: &Arg) -> Vec<Command> {
    vec![
        Command::Append(arg.clone()),
        Command::ChangeDir(arg.clone()),
        Command::Delete(arg.clone()),
        Command::List(Some(arg.clone())),
        Command::MachineList(Some(arg.clone())),
        Command::MachineListDir(Some(arg.clone())),
        Command::MakeDir(arg.clone()),
        Command::ModificationTime(arg.clone()),
        Command::NameList(Some(arg.clone())),
        Command::Password(arg.clone()),
        Command::Raw(arg.clone()),
        Command::RemoveDir(arg.clone()),
        Command::RenameFrom(arg.clone()),
        Command::RenameTo(arg.clone()),
        Command::Retrieve(arg.clone()),
        Command::Size(arg.clone()),
        Command::Store(arg.clone()),
        Command::User(arg.clone()),
    ]
}

fn argument_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-z /.]{0,8}(\r|\n|\r\n|\u{0})[A-Z ]{0,8}",
        Just("x\r\nDELE y".to_string()),
        Just("PASS hunter2".to_string()),
        "[a-zA-Z0-9 ./_-]{0,30}",
    ]
}

proptest! {
    #![proptest_config(config(1000))]

    #[test]
    fn arguments_are_accepted_iff_they_hold_no_cr_lf_or_nul(text in argument_text()) {
        let forbidden = text.find(['\r', '\n', '\0']);
        match Arg::new(text.clone()) {
            Err(ArgError::ForbiddenCharacter { position, .. }) => prop_assert_eq!(Some(position), forbidden),
            Ok(arg) => {
                prop_assert_eq!(forbidden, None);
                prop_assert_eq!(arg.as_str(), text.as_str());
                for command in commands_with(&arg) {
                    let wire = command.encode();
                    // Exactly one line on the wire: a single CRLF, at the end.
                    prop_assert!(wire.ends_with(b"\r\n"), "{command:?}");
                    prop_assert_eq!(wire.iter().filter(|&&b| b == b'\n').count(), 1, "{:?}", command);
                    prop_assert_eq!(wire.iter().filter(|&&b| b == b'\r').count(), 1, "{:?}", command);
                    prop_assert!(!wire.contains(&0), "{command:?}");
                    prop_assert!(wire.windows(text.len().max(1)).any(|w| w == text.as_bytes()) || text.is_empty());
                    // What traces print never shows a password.
                    if command.is_secret() {
                        prop_assert_eq!(command.to_string(), "PASS ****");
                    }
                }
                prop_assert_eq!(Command::Password(arg).to_string(), "PASS ****");
            }
        }
    }
}

#[test]
fn commands_without_arguments_are_one_line_each() {
    let commands = [
        Command::Abort,
        Command::AuthTls,
        Command::ChangeDirUp,
        Command::ExtendedPassive,
        Command::Features,
        Command::List(None),
        Command::Noop,
        Command::OptsUtf8,
        Command::Passive,
        Command::PrintDir,
        Command::ProtectionBufferSize,
        Command::Protection(ProtectionLevel::Private),
        Command::Protection(ProtectionLevel::Clear),
        Command::Quit,
        Command::Restart(u64::MAX),
        Command::System,
        Command::Type(TransferType::Image),
        Command::Type(TransferType::Ascii),
        Command::ExtendedPort("[::1]:65535".parse().unwrap()),
        Command::Port("255.255.255.255:65535".parse().unwrap()),
    ];
    for command in commands {
        let wire = command.encode();
        assert_eq!(wire.iter().filter(|&&b| b == b'\n').count(), 1, "{command:?}");
        assert_eq!(wire.iter().filter(|&&b| b == b'\r').count(), 1, "{command:?}");
        assert_eq!(&wire[wire.len() - 2..], b"\r\n", "{command:?}");
    }
}
