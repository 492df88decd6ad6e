//! D-Bus values as plain data, read defensively: whatever a daemon sends
//! becomes a `Value` tree, and every accessor answers None for the wrong
//! type instead of failing. Parsing NetworkManager's replies never trusts
//! their shape (a malformed reply is bad input, not a panic).

use dbus::Message;
use dbus::arg::{ArgType, Iter};

/// D-Bus nests at most 64 containers; deeper input is not read further.
const MAX_DEPTH: usize = 64;

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Bool(bool),
    /// Signed integers of every width.
    Int(i64),
    /// Unsigned integers of every width, bytes included.
    UInt(u64),
    Double(f64),
    /// Strings, object paths and signatures.
    Str(String),
    /// An array of bytes (`ay`).
    Bytes(Vec<u8>),
    Array(Vec<Value>),
    /// A dictionary (`a{..}`), entries in the order they came.
    Dict(Vec<(Value, Value)>),
    Struct(Vec<Value>),
    Variant(Box<Value>),
    /// Something we never read (unix fds).
    Other,
}

impl Value {
    /// Looks through variants: NetworkManager wraps every property in one.
    pub fn plain(&self) -> &Value {
        let mut v = self;
        while let Value::Variant(inner) = v {
            v = inner;
        }
        v
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.plain() {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_u64(&self) -> Option<u64> {
        match self.plain() {
            Value::UInt(u) => Some(*u),
            Value::Int(i) => u64::try_from(*i).ok(),
            _ => None,
        }
    }

    pub fn as_u32(&self) -> Option<u32> {
        self.as_u64().and_then(|u| u32::try_from(u).ok())
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self.plain() {
            Value::Int(i) => Some(*i),
            Value::UInt(u) => i64::try_from(*u).ok(),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self.plain() {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    #[cfg(test)]
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self.plain() {
            Value::Bytes(b) => Some(b),
            _ => None,
        }
    }

    /// The strings of an array (object paths); None unless every item is one.
    pub fn as_strings(&self) -> Option<Vec<String>> {
        match self.plain() {
            Value::Array(items) => items
                .iter()
                .map(|i| i.as_str().map(str::to_owned))
                .collect(),
            _ => None,
        }
    }

    pub fn as_struct(&self) -> Option<&[Value]> {
        match self.plain() {
            Value::Struct(fields) => Some(fields),
            _ => None,
        }
    }

    /// The string-keyed entries of a dictionary; other keys are skipped.
    pub fn entries(&self) -> impl Iterator<Item = (&str, &Value)> {
        let items: &[(Value, Value)] = match self.plain() {
            Value::Dict(items) => items,
            _ => &[],
        };
        items.iter().filter_map(|(k, v)| k.as_str().map(|k| (k, v)))
    }

    /// A dictionary entry by key.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entries().find(|(k, _)| *k == key).map(|(_, v)| v)
    }
}

/// Every argument of a message.
pub fn arguments(message: &Message) -> Vec<Value> {
    read_all(message.iter_init(), 0)
}

fn read_all(mut iter: Iter<'_>, depth: usize) -> Vec<Value> {
    let mut out = Vec::new();
    while let Some(value) = read(&mut iter, depth) {
        out.push(value);
        if !iter.next() {
            break;
        }
    }
    out
}

fn read(iter: &mut Iter<'_>, depth: usize) -> Option<Value> {
    if depth > MAX_DEPTH {
        return Some(Value::Other);
    }
    let value = match iter.arg_type() {
        ArgType::Invalid => return None,
        ArgType::Boolean => Value::Bool(iter.get::<bool>()?),
        ArgType::Byte => Value::UInt(iter.get::<u8>()?.into()),
        ArgType::Int16 => Value::Int(iter.get::<i16>()?.into()),
        ArgType::Int32 => Value::Int(iter.get::<i32>()?.into()),
        ArgType::Int64 => Value::Int(iter.get::<i64>()?),
        ArgType::UInt16 => Value::UInt(iter.get::<u16>()?.into()),
        ArgType::UInt32 => Value::UInt(iter.get::<u32>()?.into()),
        ArgType::UInt64 => Value::UInt(iter.get::<u64>()?),
        ArgType::Double => Value::Double(iter.get::<f64>()?),
        ArgType::String => Value::Str(iter.get::<&str>()?.to_owned()),
        ArgType::ObjectPath => Value::Str(iter.get::<dbus::Path>()?.to_string()),
        ArgType::Signature => Value::Str(iter.get::<dbus::Signature>()?.to_string()),
        ArgType::Variant => {
            let inner = iter.recurse(ArgType::Variant)?;
            let mut values = read_all(inner, depth + 1);
            Value::Variant(Box::new(if values.is_empty() {
                Value::Other
            } else {
                values.swap_remove(0)
            }))
        }
        ArgType::Array => {
            let signature = iter.signature();
            let element = signature.as_bytes().get(1).copied();
            if element == Some(b'y') {
                Value::Bytes(iter.get::<&[u8]>()?.to_vec())
            } else {
                let inner = iter.recurse(ArgType::Array)?;
                let items = read_all(inner, depth + 1);
                if element == Some(b'{') {
                    Value::Dict(
                        items
                            .into_iter()
                            .filter_map(|entry| match entry {
                                Value::Struct(mut kv) if kv.len() == 2 => {
                                    let v = kv.pop()?;
                                    let k = kv.pop()?;
                                    Some((k, v))
                                }
                                _ => None,
                            })
                            .collect(),
                    )
                } else {
                    Value::Array(items)
                }
            }
        }
        ArgType::Struct => Value::Struct(read_all(iter.recurse(ArgType::Struct)?, depth + 1)),
        ArgType::DictEntry => Value::Struct(read_all(iter.recurse(ArgType::DictEntry)?, depth + 1)),
        ArgType::UnixFd => Value::Other,
    };
    Some(value)
}

#[cfg(test)]
pub(crate) mod build {
    //! Values as tests write them.
    use super::Value;

    pub fn s(text: &str) -> Value {
        Value::Str(text.to_owned())
    }
    pub fn u(n: u64) -> Value {
        Value::UInt(n)
    }
    pub fn v(inner: Value) -> Value {
        Value::Variant(Box::new(inner))
    }
    pub fn paths(items: &[&str]) -> Value {
        Value::Array(items.iter().map(|p| s(p)).collect())
    }
    pub fn dict(entries: Vec<(&str, Value)>) -> Value {
        Value::Dict(entries.into_iter().map(|(k, x)| (s(k), x)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::build::*;
    use super::*;
    use dbus::arg::{PropMap, RefArg, Variant};
    use std::collections::HashMap;

    #[test]
    fn accessors_look_through_variants_and_refuse_wrong_types() {
        let x = v(v(u(7)));
        assert_eq!(x.as_u32(), Some(7));
        assert_eq!(x.as_str(), None);
        assert_eq!(s("7").as_u32(), None);
        assert_eq!(Value::Int(-1).as_u64(), None);
        assert_eq!(u(u64::MAX).as_u32(), None);
        assert_eq!(u(u64::MAX).as_i64(), None);
        let d = dict(vec![("a", v(s("x"))), ("b", u(1))]);
        assert_eq!(d.get("a").and_then(Value::as_str), Some("x"));
        assert_eq!(d.get("c"), None);
        assert_eq!(u(1).entries().count(), 0);
        assert_eq!(paths(&["/a", "/b"]).as_strings().unwrap(), vec!["/a", "/b"]);
        assert_eq!(Value::Array(vec![u(1), s("/x")]).as_strings(), None);
        assert_eq!(Value::Array(vec![]).as_strings(), Some(vec![]));
    }

    #[test]
    fn reads_real_messages() {
        let mut props: PropMap = HashMap::new();
        props.insert("State".into(), Variant(Box::new(70u32) as Box<dyn RefArg>));
        props.insert(
            "Ssid".into(),
            Variant(Box::new(b"HomeNet".to_vec()) as Box<dyn RefArg>),
        );
        props.insert(
            "Devices".into(),
            Variant(Box::new(vec![dbus::Path::from("/d/1")]) as Box<dyn RefArg>),
        );
        let m = Message::new_signal("/x", "a.b", "C").unwrap().append3(
            "org.freedesktop.NetworkManager",
            props,
            vec!["Gone"],
        );
        let args = arguments(&m);
        assert_eq!(args.len(), 3);
        assert_eq!(args[0].as_str(), Some("org.freedesktop.NetworkManager"));
        assert_eq!(args[1].get("State").and_then(Value::as_u32), Some(70));
        assert_eq!(
            args[1].get("Ssid").and_then(Value::as_bytes),
            Some(&b"HomeNet"[..])
        );
        assert_eq!(
            args[1].get("Devices").and_then(Value::as_strings),
            Some(vec!["/d/1".to_owned()])
        );
        assert_eq!(args[2].as_strings(), Some(vec!["Gone".to_owned()]));
        let (a, b) = (5u32, (1u32, 2u32));
        let m = Message::new_signal("/x", "a.b", "C").unwrap().append2(a, b);
        let args = arguments(&m);
        assert_eq!(args[1].as_struct().map(<[Value]>::len), Some(2));
        assert!(arguments(&Message::new_signal("/x", "a.b", "C").unwrap()).is_empty());
    }
}
