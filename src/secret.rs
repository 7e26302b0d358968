//! Secrets: where `{env}` values come from (the caller's [`SecretEnv`]; the core never reads
//! the process environment) and the model's secrets as validation read them, once.

use std::collections::{BTreeMap, HashMap};

use crate::model::SecretString;

/// Supplies `{env}` secrets. The core never reads the process environment itself.
pub trait SecretEnv {
    /// The value of variable `name`, if set.
    fn var(&self, name: &str) -> Option<String>;
}

impl SecretEnv for BTreeMap<String, String> {
    fn var(&self, name: &str) -> Option<String> {
        self.get(name).cloned()
    }
}

impl SecretEnv for HashMap<String, String> {
    fn var(&self, name: &str) -> Option<String> {
        self.get(name).cloned()
    }
}

impl<F: Fn(&str) -> Option<String>> SecretEnv for F {
    fn var(&self, name: &str) -> Option<String> {
        self(name)
    }
}

/// A secret as validation read it: the value of an inline or `{env}` secret, or the path of
/// a `{file}` secret on the hosts (never read here).
#[derive(Debug, Clone)]
pub(crate) enum ReadSecret {
    /// An inline value, or the value of an `{env}` variable.
    Value(SecretString),
    /// A file on the target hosts.
    File(String),
}

/// The model's secrets, read once (the only read of the caller's environment) and handed on
/// to resolve. It exists only when every `{env}` variable was set, so a missing variable can
/// never become an empty password.
#[derive(Debug, Clone)]
pub(crate) struct ReadSecrets {
    /// jicofo's password.
    pub focus: ReadSecret,
    /// The bridges' password.
    pub jvb: ReadSecret,
    /// The TURN secret, when the model has one.
    pub turn: Option<ReadSecret>,
    /// The JWT signing secret, when the model has one.
    pub jwt: Option<ReadSecret>,
    /// The LDAP bind password, when the model has one.
    pub ldap: Option<ReadSecret>,
    /// jibri's control login (`jibri@auth.<domain>`), when the model has it.
    pub jibri: Option<ReadSecret>,
    /// jibri's call login (`recorder@recorder.<domain>`), when the model has it.
    pub recorder: Option<ReadSecret>,
    /// The jigasis' password, when the model has one.
    pub jigasi: Option<ReadSecret>,
    /// The passwords of the model's accounts on the public domain, by user name.
    pub accounts: BTreeMap<String, ReadSecret>,
    /// Each jigasi's SIP password, in model order.
    pub sip: Vec<ReadSecret>,
}
