//! The statements of a simulated-network file, checked line by line, then
//! as a whole (references between lines), into a `Network`.

use std::collections::HashMap;
use std::sync::Arc;

use super::values::{
    BEARERS, CAPABILITIES, PURPOSES, REACHABILITIES, STATES, TRANSPORTS, addresses, boolean,
    children, counter, interface_flags, mac, names, one_of, small_number, start_behavior,
};
use super::words::{self, Word};
use super::{LineError, Network, Scripted};
use crate::backend::NetworkStatus;
use crate::backend::simulated::StartBehavior;
use crate::engine::USER_CHOICE_ID;
use crate::engine::record::{ConfigView, InterfaceInfo};
use crate::types::{Bearer, Capabilities, ConfigType, Purpose, Reachability, StateFlags};

const KEYWORDS: &str = "access-point, service-network, interface, default, capabilities, network";

/// Parses and checks a whole file. The error is the first bad line's.
pub fn parse(text: &[u8]) -> Result<Network, LineError> {
    let mut file = File::default();
    let text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text);
    for (index, raw) in text.split(|b| *b == b'\n').enumerate() {
        let line = index + 1;
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let result = std::str::from_utf8(raw)
            .map_err(|e| {
                format!(
                    "not valid UTF-8 (a bad byte sequence at byte {} of the line)",
                    e.valid_up_to() + 1
                )
            })
            .and_then(words::split)
            .and_then(|w| file.statement(line, &w));
        if let Err(message) = result {
            file.fail(line, message);
        }
    }
    file.finish()
}

/// What the lines said so far.
#[derive(Default)]
struct File {
    configurations: Vec<Scripted>,
    /// Every identifier a line declares, even one whose line has an error
    /// (so other lines' references to it do not give errors of their own).
    declared: HashMap<String, Declared>,
    /// Lines that name other lines' identifiers, checked once all are read.
    references: Vec<Reference>,
    interfaces: HashMap<String, usize>,
    default: Option<(usize, String)>,
    capabilities: Option<(usize, Capabilities)>,
    status: Option<(usize, NetworkStatus)>,
    errors: Vec<LineError>,
}

struct Declared {
    line: usize,
    kind: ConfigType,
    /// Its position in `configurations` once its line was read without error.
    at: Option<usize>,
}

enum Reference {
    Children {
        line: usize,
        children: Vec<String>,
    },
    Interface {
        line: usize,
        access_point: String,
        info: InterfaceInfo,
    },
    Default {
        line: usize,
        id: String,
    },
}

impl File {
    fn fail(&mut self, line: usize, message: String) {
        self.errors.push(LineError { line, message });
    }

    fn statement(&mut self, line: usize, words: &[Word]) -> Result<(), String> {
        let Some((first, rest)) = words.split_first() else {
            return Ok(());
        };
        if first.key.is_some() {
            return Err(format!(
                "a line starts with a keyword ({KEYWORDS}), not \"{}\"",
                first.shown()
            ));
        }
        match first.text.as_str() {
            "access-point" => self.access_point(line, rest),
            "service-network" => self.service_network(line, rest),
            "interface" => self.interface(line, rest),
            "default" => self.default_choice(line, rest),
            "capabilities" => self.capabilities(line, rest),
            "network" => self.network(line, rest),
            other => Err(format!("unknown keyword \"{other}\" (one of: {KEYWORDS})")),
        }
    }

    /// `access-point <id> key=value…`
    fn access_point(&mut self, line: usize, words: &[Word]) -> Result<(), String> {
        const KEYS: &[&str] = &[
            "name",
            "bearer",
            "state",
            "purpose",
            "metered",
            "roaming-available",
            "start",
            "bytes-received",
            "bytes-sent",
        ];
        const FLAGS: &[&str] = &["metered", "roaming-available"];
        let (id, rest) = identifier("access-point", words)?;
        self.claim(line, &id, ConfigType::InternetAccessPoint)?;
        let mut fields = Fields::new("access-point", rest, KEYS, FLAGS)?;
        let state = fields.take("state", |w| one_of("state", &w.text, STATES))?;
        let Some(state) = state else {
            return Err(format!(
                "access-point \"{id}\" needs state= (one of: {})",
                names(STATES)
            ));
        };
        let name = fields.take("name", |w| Ok(w.text.clone()))?;
        let bearer = fields.take("bearer", |w| one_of("bearer", &w.text, BEARERS))?;
        let mut view = ConfigView::access_point(
            &id,
            name.as_deref().unwrap_or(&id),
            bearer.unwrap_or(Bearer::Unknown),
            state,
        );
        view.purpose = fields
            .take("purpose", |w| one_of("purpose", &w.text, PURPOSES))?
            .unwrap_or(Purpose::Unknown);
        view.metered = fields.take("metered", boolean)?.unwrap_or(false);
        view.roaming_available = fields.take("roaming-available", boolean)?.unwrap_or(false);
        let start = fields
            .take("start", |w| start_behavior(&w.text))?
            .unwrap_or(StartBehavior::Succeed);
        let received = fields.take("bytes-received", counter)?;
        let sent = fields.take("bytes-sent", counter)?;
        self.declare(Scripted {
            view,
            start,
            bytes: (received.unwrap_or(0), sent.unwrap_or(0)),
        });
        Ok(())
    }

    /// `service-network <id> key=value…`
    fn service_network(&mut self, line: usize, words: &[Word]) -> Result<(), String> {
        const KEYS: &[&str] = &["name", "children", "purpose", "roaming-available"];
        const FLAGS: &[&str] = &["roaming-available"];
        let (id, rest) = identifier("service-network", words)?;
        self.claim(line, &id, ConfigType::ServiceNetwork)?;
        let mut fields = Fields::new("service-network", rest, KEYS, FLAGS)?;
        let name = fields.take("name", |w| Ok(w.text.clone()))?;
        let mut view = ConfigView::access_point(
            &id,
            name.as_deref().unwrap_or(&id),
            Bearer::Unknown,
            StateFlags::UNDEFINED,
        );
        view.kind = ConfigType::ServiceNetwork;
        view.purpose = fields
            .take("purpose", |w| one_of("purpose", &w.text, PURPOSES))?
            .unwrap_or(Purpose::Unknown);
        view.roaming_available = fields.take("roaming-available", boolean)?.unwrap_or(false);
        view.children = fields.take("children", children)?.unwrap_or_default();
        self.references.push(Reference::Children {
            line,
            children: view.children.clone(),
        });
        self.declare(Scripted {
            view,
            start: StartBehavior::Succeed,
            bytes: (0, 0),
        });
        Ok(())
    }

    /// `interface <access-point-id> key=value…`
    fn interface(&mut self, line: usize, words: &[Word]) -> Result<(), String> {
        const KEYS: &[&str] = &["name", "index", "mac", "flags", "mtu", "addresses"];
        let (access_point, rest) = identifier("interface", words)?;
        let mut fields = Fields::new("interface", rest, KEYS, &[])?;
        let Some(name) = fields.take("name", |w| Ok(w.text.clone()))? else {
            return Err(format!(
                "the interface of \"{access_point}\" needs name= (e.g. name=wlan0)"
            ));
        };
        if name.is_empty() {
            return Err("name: an interface name cannot be empty".to_owned());
        }
        let info = InterfaceInfo {
            name,
            index: fields
                .take("index", |w| small_number("index", &w.text))?
                .unwrap_or(0),
            hardware_address: fields.take("mac", |w| mac(&w.text))?.unwrap_or_default(),
            flags: fields.take("flags", interface_flags)?.unwrap_or(0),
            mtu: fields
                .take("mtu", |w| small_number("mtu", &w.text))?
                .unwrap_or(0),
            addresses: fields.take("addresses", addresses)?.unwrap_or_default(),
        };
        if let Some(first) = self.interfaces.insert(access_point.clone(), line) {
            return Err(format!(
                "a second interface for \"{access_point}\" (the first is on line {first})"
            ));
        }
        self.references.push(Reference::Interface {
            line,
            access_point,
            info,
        });
        Ok(())
    }

    /// `default <id>`
    fn default_choice(&mut self, line: usize, words: &[Word]) -> Result<(), String> {
        let (id, rest) = identifier("default", words)?;
        if let Some(extra) = rest.first() {
            return Err(format!(
                "unexpected \"{}\" (default takes one identifier)",
                extra.shown()
            ));
        }
        once("default", &self.default.as_ref().map(|d| d.0))?;
        self.default = Some((line, id.clone()));
        self.references.push(Reference::Default { line, id });
        Ok(())
    }

    /// `capabilities <name>…` (none listed: no capabilities)
    fn capabilities(&mut self, line: usize, words: &[Word]) -> Result<(), String> {
        let mut all = Capabilities::empty();
        for word in words {
            if word.key.is_some() {
                return Err(format!(
                    "unexpected \"{}\" (capabilities lists names: {})",
                    word.shown(),
                    names(CAPABILITIES)
                ));
            }
            all |= one_of("capability", &word.text, CAPABILITIES)?;
        }
        once("capabilities", &self.capabilities.as_ref().map(|c| c.0))?;
        self.capabilities = Some((line, all));
        Ok(())
    }

    /// `network key=value…`
    fn network(&mut self, line: usize, words: &[Word]) -> Result<(), String> {
        const KEYS: &[&str] = &["reachability", "captive-portal", "transport", "metered"];
        const FLAGS: &[&str] = &["captive-portal", "metered"];
        let mut fields = Fields::new("network", words, KEYS, FLAGS)?;
        let status = NetworkStatus {
            reachability: fields
                .take("reachability", |w| {
                    one_of("reachability", &w.text, REACHABILITIES)
                })?
                .unwrap_or(Reachability::Unknown),
            captive_portal: fields.take("captive-portal", boolean)?.unwrap_or(false),
            transport: fields.take("transport", |w| one_of("transport", &w.text, TRANSPORTS))?,
            metered: fields.take("metered", boolean)?,
        };
        once("network", &self.status.as_ref().map(|s| s.0))?;
        self.status = Some((line, status));
        Ok(())
    }

    /// Takes an identifier for this line, before the rest of it is read.
    fn claim(&mut self, line: usize, id: &str, kind: ConfigType) -> Result<(), String> {
        if let Some(first) = self.declared.get(id) {
            return Err(format!(
                "identifier \"{id}\" is already declared on line {}",
                first.line
            ));
        }
        let declared = Declared {
            line,
            kind,
            at: None,
        };
        self.declared.insert(id.to_owned(), declared);
        Ok(())
    }

    /// Adds the configuration of a line read without error (claimed first).
    fn declare(&mut self, config: Scripted) {
        if let Some(declared) = self.declared.get_mut(&config.view.identifier) {
            declared.at = Some(self.configurations.len());
        }
        self.configurations.push(config);
    }

    fn kind_of(&self, id: &str) -> Option<ConfigType> {
        self.declared.get(id).map(|d| d.kind)
    }

    /// Resolves what lines say about each other, then gives the network or
    /// the error of the lowest line.
    fn finish(mut self) -> Result<Network, LineError> {
        for reference in std::mem::take(&mut self.references) {
            if let Err((line, message)) = self.resolve(reference) {
                self.fail(line, message);
            }
        }
        if let Some(first) = self.errors.into_iter().min_by_key(|e| e.line) {
            return Err(first);
        }
        Ok(Network {
            configurations: self.configurations,
            default: self.default.map(|(_, id)| id),
            capabilities: self.capabilities.map(|(_, c)| c),
            status: self.status.map(|(_, s)| s),
        })
    }

    fn resolve(&mut self, reference: Reference) -> Result<(), (usize, String)> {
        match reference {
            Reference::Children { line, children } => {
                for child in &children {
                    match self.kind_of(child) {
                        Some(ConfigType::InternetAccessPoint) => {}
                        Some(_) => {
                            return Err((
                                line,
                                format!(
                                    "children: \"{child}\" is a service network (children are access points)"
                                ),
                            ));
                        }
                        None => {
                            return Err((
                                line,
                                format!(
                                    "children: \"{child}\" is not an access point of this file"
                                ),
                            ));
                        }
                    }
                }
                Ok(())
            }
            Reference::Interface {
                line,
                access_point,
                info,
            } => match self.declared.get(&access_point) {
                Some(d) if d.kind == ConfigType::InternetAccessPoint => {
                    // Without a position its own line failed, and says so.
                    if let Some(at) = d.at {
                        self.configurations[at].view.interface = Some(Arc::new(info));
                    }
                    Ok(())
                }
                Some(_) => Err((
                    line,
                    format!(
                        "\"{access_point}\" is a service network (only access points have an interface)"
                    ),
                )),
                None => Err((
                    line,
                    format!(
                        "interface for \"{access_point}\", which is not an access point of this file"
                    ),
                )),
            },
            Reference::Default { line, id } => {
                if id == USER_CHOICE_ID || self.declared.contains_key(&id) {
                    Ok(())
                } else {
                    Err((
                        line,
                        format!(
                            "default: \"{id}\" is not declared in this file (nor is it {USER_CHOICE_ID})"
                        ),
                    ))
                }
            }
        }
    }
}

/// The statement's first word: an identifier, not a key=value.
fn identifier<'a>(statement: &str, words: &'a [Word]) -> Result<(String, &'a [Word]), String> {
    let Some((first, rest)) = words.split_first().filter(|(w, _)| w.key.is_none()) else {
        return Err(format!(
            "{statement} needs an identifier first ({statement} <identifier> …)"
        ));
    };
    let id = first.text.clone();
    if id.is_empty() {
        return Err("an identifier cannot be empty".to_owned());
    }
    if id == USER_CHOICE_ID && statement != "default" {
        return Err(format!(
            "\"{USER_CHOICE_ID}\" is the library's own configuration; choose another identifier"
        ));
    }
    Ok((id, rest))
}

fn once(statement: &str, earlier: &Option<usize>) -> Result<(), String> {
    match earlier {
        Some(line) => Err(format!(
            "a second {statement} line (the first is line {line})"
        )),
        None => Ok(()),
    }
}

/// The key=value words of one statement, each key at most once; a bare
/// flag word (`metered`) means key=yes.
struct Fields {
    values: HashMap<&'static str, Word>,
}

impl Fields {
    fn new(
        statement: &str,
        words: &[Word],
        keys: &[&'static str],
        flags: &[&'static str],
    ) -> Result<Fields, String> {
        let mut values = HashMap::new();
        for word in words {
            let (key, word) = match &word.key {
                Some(key) => (key.as_str(), word.clone()),
                None => match flags.iter().find(|f| **f == word.text) {
                    Some(flag) => (
                        *flag,
                        Word {
                            key: Some(flag.to_string()),
                            text: "yes".to_owned(),
                            items: vec!["yes".to_owned()],
                        },
                    ),
                    None => {
                        return Err(format!(
                            "unexpected \"{}\" (expected key=value; {statement} keys: {})",
                            word.text,
                            keys.join(", ")
                        ));
                    }
                },
            };
            let Some(known) = keys.iter().find(|k| **k == key) else {
                return Err(format!(
                    "unknown key \"{key}\" for {statement} (known: {})",
                    keys.join(", ")
                ));
            };
            if values.insert(*known, word).is_some() {
                return Err(format!("key \"{key}\" given twice"));
            }
        }
        Ok(Fields { values })
    }

    /// The key's value parsed, None when the line does not give it.
    fn take<T>(
        &mut self,
        key: &str,
        parse: impl FnOnce(&Word) -> Result<T, String>,
    ) -> Result<Option<T>, String> {
        self.values.remove(key).map(|w| parse(&w)).transpose()
    }
}
