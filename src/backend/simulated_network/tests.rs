use std::sync::Arc;
use std::time::Duration;

use super::*;
use crate::engine::record::{InterfaceAddress, InterfaceInfo};
use crate::types::{
    Bearer, ConfigType, Purpose, Reachability, SessionError, StateFlags, TransportMedium,
};

fn parsed(text: &str) -> Network {
    match parse(text.as_bytes()) {
        Ok(network) => network,
        Err(e) => panic!("line {}: {}", e.line, e.message),
    }
}

/// The line and message of a file that must not load.
fn error_of(text: impl AsRef<[u8]>) -> (usize, String) {
    match parse(text.as_ref()) {
        Ok(network) => panic!("loaded {network:?}"),
        Err(e) => (e.line, e.message),
    }
}

fn find<'a>(network: &'a Network, id: &str) -> &'a Scripted {
    network
        .configurations
        .iter()
        .find(|c| c.view.identifier == id)
        .unwrap_or_else(|| panic!("no {id}"))
}

#[test]
fn every_statement_and_key() {
    let network = parsed(concat!(
        "# a network for tests\n",
        "capabilities can-start-and-stop-interfaces forced-roaming DATA-statistics\n",
        "\n",
        "access-point eth0 name=\"Wired\" bearer=ethernet state=active purpose=public bytes-received=1000 bytes-sent=2000\n",
        "access-point \"my wifi\" name=\"Home Wi-Fi ✓\" bearer=WLAN state=discovered start=delay:250ms metered\r\n",
        "access-point cell bearer=lte state=discovered start=fail:operation-not-supported metered=no roaming-available\n",
        "access-point off state=defined start=never   # comment\n",
        "access-point gone state=undefined start=fail\n",
        "interface eth0 name=eth0 index=2 mac=02:00:00:aa:bb:0c mtu=1500 flags=up,running,broadcast,multicast addresses=192.0.2.2/24,2001:db8::2/64\n",
        "interface \"my wifi\" name=wlan0\n",
        "service-network office name=Office children=eth0,\"my wifi\",cell purpose=private roaming-available\n",
        "service-network empty children=\n",
        "default office\n",
        "network reachability=site captive-portal transport=wifi metered=yes\n",
    ));

    let ids: Vec<&str> = network
        .configurations
        .iter()
        .map(|c| c.view.identifier.as_str())
        .collect();
    assert_eq!(
        ids,
        ["eth0", "my wifi", "cell", "off", "gone", "office", "empty"]
    );
    assert_eq!(
        network.capabilities,
        Some(
            Capabilities::CAN_START_AND_STOP_INTERFACES
                | Capabilities::FORCED_ROAMING
                | Capabilities::DATA_STATISTICS
        )
    );
    assert_eq!(network.default.as_deref(), Some("office"));
    assert_eq!(
        network.status,
        Some(NetworkStatus {
            reachability: Reachability::Site,
            captive_portal: true,
            transport: Some(TransportMedium::WiFi),
            metered: Some(true),
        })
    );

    let eth = find(&network, "eth0");
    assert_eq!(eth.view.name, "Wired");
    assert_eq!(eth.view.kind, ConfigType::InternetAccessPoint);
    assert_eq!(eth.view.bearer, Bearer::Ethernet);
    assert_eq!(eth.view.state, StateFlags::ACTIVE);
    assert_eq!(eth.view.purpose, Purpose::Public);
    assert!(!eth.view.metered);
    assert_eq!(eth.start, StartBehavior::Succeed);
    assert_eq!(eth.bytes, (1000, 2000));
    assert_eq!(
        eth.view.interface,
        Some(Arc::new(InterfaceInfo {
            name: "eth0".into(),
            index: 2,
            hardware_address: "02:00:00:AA:BB:0C".into(),
            flags: 0x1 | 0x2 | 0x4 | 0x20,
            mtu: 1500,
            addresses: vec![
                InterfaceAddress {
                    ip: "192.0.2.2".parse().unwrap(),
                    prefix_length: 24
                },
                InterfaceAddress {
                    ip: "2001:db8::2".parse().unwrap(),
                    prefix_length: 64
                },
            ],
        }))
    );

    let wifi = find(&network, "my wifi");
    assert_eq!(wifi.view.name, "Home Wi-Fi ✓");
    assert_eq!(wifi.view.bearer, Bearer::Wlan);
    assert_eq!(wifi.view.state, StateFlags::DISCOVERED);
    assert!(wifi.view.metered);
    assert_eq!(wifi.start, StartBehavior::Delay(Duration::from_millis(250)));
    assert_eq!(wifi.bytes, (0, 0));
    let wlan0 = wifi.view.interface.as_ref().unwrap();
    assert_eq!(
        (wlan0.name.as_str(), wlan0.index, wlan0.mtu, wlan0.flags),
        ("wlan0", 0, 0, 0)
    );
    assert_eq!(wlan0.hardware_address, "");
    assert!(wlan0.addresses.is_empty());

    let cell = find(&network, "cell");
    assert_eq!(
        cell.view.name, "cell",
        "the name defaults to the identifier"
    );
    assert_eq!(cell.view.bearer, Bearer::Lte);
    assert!(!cell.view.metered);
    assert!(cell.view.roaming_available);
    assert_eq!(
        cell.start,
        StartBehavior::Fail(SessionError::OperationNotSupported)
    );
    assert_eq!(cell.view.interface, None);

    assert_eq!(find(&network, "off").start, StartBehavior::Never);
    assert_eq!(find(&network, "off").view.bearer, Bearer::Unknown);
    let gone = find(&network, "gone");
    assert_eq!(gone.view.state, StateFlags::UNDEFINED);
    assert_eq!(gone.start, StartBehavior::Fail(SessionError::Unknown));

    let office = find(&network, "office");
    assert_eq!(office.view.kind, ConfigType::ServiceNetwork);
    assert_eq!(office.view.name, "Office");
    assert_eq!(office.view.children, ["eth0", "my wifi", "cell"]);
    assert_eq!(office.view.purpose, Purpose::Private);
    assert!(office.view.roaming_available);
    assert!(find(&network, "empty").view.children.is_empty());
}

#[test]
fn defaults_when_the_file_says_little() {
    let network = parsed("access-point a state=active\n");
    assert_eq!(network.capabilities, None);
    assert_eq!(network.default, None);
    assert_eq!(network.status, None);
    let a = find(&network, "a");
    assert_eq!(
        a.view,
        ConfigView::access_point("a", "a", Bearer::Unknown, StateFlags::ACTIVE)
    );
    assert_eq!(a.start, StartBehavior::Succeed);

    assert_eq!(parsed("").configurations, []);
    assert_eq!(
        parsed("capabilities\n").capabilities,
        Some(Capabilities::empty())
    );
    assert_eq!(
        parsed("network\n").status,
        Some(NetworkStatus::default()),
        "an empty network line scripts Unknown, no portal, medium and metering from the default"
    );
    assert_eq!(
        parsed("network reachability=online\n").status,
        Some(NetworkStatus {
            reachability: Reachability::Online,
            captive_portal: false,
            transport: None,
            metered: None
        })
    );
    assert_eq!(
        parsed("access-point a state=active\ndefault UserChoice\n")
            .default
            .as_deref(),
        Some("UserChoice")
    );
    assert_eq!(
        find(&parsed("access-point a state=active start=delay:2s"), "a").start,
        StartBehavior::Delay(Duration::from_secs(2))
    );
}

#[test]
fn references_may_point_forward() {
    let network = parsed(concat!(
        "default sn\n",
        "service-network sn children=b,a\n",
        "interface a name=a0\n",
        "access-point a state=discovered\n",
        "access-point b state=active\n",
    ));
    assert_eq!(find(&network, "sn").view.children, ["b", "a"]);
    assert!(find(&network, "a").view.interface.is_some());
    assert_eq!(network.default.as_deref(), Some("sn"));
}

#[test]
fn every_error_names_its_line() {
    let ap = "access-point a state=active\n";
    let cases: &[(&str, usize, &str)] = &[
        ("router r1\n", 1, "unknown keyword \"router\""),
        ("name=x\n", 1, "starts with a keyword"),
        ("\n\naccess-point\n", 3, "needs an identifier"),
        (
            "access-point name=a state=active\n",
            1,
            "needs an identifier",
        ),
        ("access-point \"\" state=active\n", 1, "cannot be empty"),
        ("access-point UserChoice state=active\n", 1, "UserChoice"),
        ("access-point a\n", 1, "needs state="),
        (
            "access-point a state=on\n",
            1,
            "state \"on\" does not exist",
        ),
        (
            "access-point a state=active bearer=wifi\n",
            1,
            "bearer \"wifi\" does not exist",
        ),
        (
            "access-point a state=active colour=red\n",
            1,
            "unknown key \"colour\"",
        ),
        (
            "access-point a state=active fast\n",
            1,
            "unexpected \"fast\"",
        ),
        (
            "access-point a state=active state=defined\n",
            1,
            "given twice",
        ),
        (
            "access-point a state=active purpose=secret\n",
            1,
            "purpose \"secret\"",
        ),
        (
            "access-point a state=active metered=maybe\n",
            1,
            "metered \"maybe\" is not a boolean",
        ),
        (
            "access-point a state=active start=later\n",
            1,
            "start \"later\"",
        ),
        (
            "access-point a state=active start=fail:timeout\n",
            1,
            "error \"timeout\"",
        ),
        (
            "access-point a state=active start=delay:200\n",
            1,
            "needs a unit",
        ),
        (
            "access-point a state=active start=delay:x1s\n",
            1,
            "whole number",
        ),
        (
            "access-point a state=active start=delay\n",
            1,
            "start \"delay\"",
        ),
        (
            "access-point a state=active bytes-sent=-1\n",
            1,
            "bytes-sent \"-1\" is not a byte count",
        ),
        (
            "access-point a state=active bytes-sent=99999999999999999999\n",
            1,
            "too large",
        ),
        ("access-point a state=active name=\"open\n", 1, "not closed"),
        (
            "access-point a state=active\naccess-point a state=defined\n",
            2,
            "already declared on line 1",
        ),
        (
            "access-point a state=active\nservice-network a\n",
            2,
            "already declared on line 1",
        ),
        (
            "service-network s children=a,b\n",
            1,
            "\"a\" is not an access point of this file",
        ),
        (
            "access-point a state=active\nservice-network s children=a,a\n",
            2,
            "listed twice",
        ),
        (
            "access-point a state=active\nservice-network s children=a,,\n",
            2,
            "empty item",
        ),
        (
            "service-network t\nservice-network s children=t\n",
            2,
            "\"t\" is a service network",
        ),
        (
            "service-network s state=active\n",
            1,
            "unknown key \"state\"",
        ),
        ("default nowhere\n", 1, "\"nowhere\" is not declared"),
        (
            "access-point a state=active\ndefault a\ndefault a\n",
            3,
            "second default line (the first is line 2)",
        ),
        ("default\n", 1, "needs an identifier"),
        (
            "access-point a state=active\ndefault a b\n",
            2,
            "unexpected \"b\"",
        ),
        (
            "capabilities roaming\n",
            1,
            "capability \"roaming\" does not exist",
        ),
        (
            "capabilities data-statistics=yes\n",
            1,
            "unexpected \"data-statistics=yes\"",
        ),
        (
            "capabilities\ncapabilities\n",
            2,
            "second capabilities line",
        ),
        (
            "network reachability=internet\n",
            1,
            "reachability \"internet\"",
        ),
        ("network transport=wlan\n", 1, "transport \"wlan\""),
        (
            "network captive-portal=perhaps\n",
            1,
            "captive-portal \"perhaps\"",
        ),
        ("network\nnetwork\n", 2, "second network line"),
        (
            "interface nowhere name=x\n",
            1,
            "\"nowhere\", which is not an access point",
        ),
        (
            "service-network s\ninterface s name=x\n",
            2,
            "\"s\" is a service network",
        ),
        ("interface a index=1\n", 1, "needs name="),
        ("interface a name=\"\"\n", 1, "cannot be empty"),
        (
            "interface a name=x index=-1\n",
            1,
            "index \"-1\" is not a number",
        ),
        ("interface a name=x mtu=3000000000\n", 1, "too large"),
        (
            "interface a name=x mac=02-00-00-00-00-01\n",
            1,
            "not a hardware address",
        ),
        ("interface a name=x mac=2:00\n", 1, "not a hardware address"),
        (
            "interface a name=x flags=up,fast\n",
            1,
            "interface flag \"fast\"",
        ),
        (
            "interface a name=x addresses=192.0.2.1\n",
            1,
            "needs a prefix length",
        ),
        ("interface a name=x addresses=192.0.2.1/33\n", 1, "0 to 32"),
        (
            "interface a name=x addresses=2001:db8::1/129\n",
            1,
            "0 to 128",
        ),
        (
            "interface a name=x addresses=192.0.2.300/24\n",
            1,
            "address \"192.0.2.300\" is not an IPv4 or IPv6 address",
        ),
        (
            "interface a name=x addresses=192.0.2.1/24,192.0.2.1/24\n",
            1,
            "listed twice",
        ),
        (
            "interface a name=x\ninterface a name=y\n",
            2,
            "second interface for \"a\" (the first is on line 1)",
        ),
    ];
    for (text, line, expected) in cases {
        // Interface cases need their access point; it goes last so the
        // line numbers above stay those of the case.
        let text = if text.starts_with("interface a ") {
            format!("{text}{ap}")
        } else {
            text.to_string()
        };
        let (got_line, message) = error_of(&text);
        assert_eq!(
            (got_line, message.contains(expected)),
            (*line, true),
            "{text:?} gave line {got_line}: {message}"
        );
    }
}

#[test]
fn bad_utf8_names_its_line() {
    let (line, message) =
        error_of(b"access-point a state=active\naccess-point b name=\"\xC3(\" state=active\n");
    assert_eq!(line, 2);
    assert!(message.contains("not valid UTF-8"), "{message}");
    assert!(message.contains("byte 22"), "{message}");
}

#[test]
fn the_first_bad_line_is_the_one_reported() {
    // A reference error on line 1 and a syntax error on line 3.
    let (line, message) =
        error_of("default x\naccess-point a state=active\naccess-point b state=?\n");
    assert_eq!(
        (line, message.as_str()),
        (
            1,
            "default: \"x\" is not declared in this file (nor is it UserChoice)"
        )
    );
}

#[test]
fn a_bad_declaration_is_reported_not_the_references_to_it() {
    let (line, message) = error_of(concat!(
        "default x\n",
        "service-network sn children=x\n",
        "interface x name=x0\n",
        "access-point x state=bogus\n",
    ));
    assert_eq!(line, 4, "{message}");
    assert!(message.starts_with("state \"bogus\""), "{message}");
}

#[test]
fn a_byte_order_mark_and_crlf_are_accepted() {
    let network = parsed("\u{FEFF}access-point a state=active\r\ndefault a\r\n");
    assert_eq!(network.default.as_deref(), Some("a"));
}

#[test]
fn load_names_the_variable_and_path() {
    let dir = std::env::temp_dir().join(format!("qns-simnet-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.conf");
    std::fs::write(
        &bad,
        "access-point a state=active\naccess-point b state=sleepy\n",
    )
    .unwrap();
    let message = load(&bad).unwrap_err();
    assert_eq!(
        message,
        format!(
            "QNS_SIMULATED_NETWORK={}: line 2: state \"sleepy\" does not exist (one of: undefined, defined, discovered, active)",
            bad.display()
        )
    );
    let missing = dir.join("missing.conf");
    let message = load(&missing).unwrap_err();
    assert!(
        message.starts_with(&format!(
            "QNS_SIMULATED_NETWORK={}: cannot read it: ",
            missing.display()
        )),
        "{message}"
    );
    let good = dir.join("good.conf");
    std::fs::write(&good, "access-point a state=active\n").unwrap();
    assert_eq!(load(&good).unwrap().configurations.len(), 1);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_documented_examples_load() {
    let example = include_str!("../../../docs/simulated-network.md")
        .split("```text\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("docs/simulated-network.md has a ```text example");
    assert!(parsed(example).configurations.len() >= 4);
    let qt = parsed(include_str!("../../../tests/data/qt-bearer-network.conf"));
    assert!(qt.configurations.len() >= 4);
}
