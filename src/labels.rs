//! A Kubernetes label map that many objects share.
//!
//! Every object of a service carries the same labels, and its pods the same selector.
//! Resolve builds both once per service; each object holds a reference to them, so
//! rendering a service's dozen objects copies no label and frees none. A map that is
//! changed (a ServiceMonitor's extra labels) is copied first ([`Arc::make_mut`]).

use std::collections::BTreeMap;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use serde::{Serialize, Serializer};

/// Label keys to values, in key order; cloning it is a reference count.
#[derive(Clone, Default, PartialEq, Eq, Debug)]
pub(crate) struct Labels(Arc<BTreeMap<String, String>>);

impl Labels {
    /// For `skip_serializing_if`, which names a function of the field's own type.
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Deref for Labels {
    type Target = BTreeMap<String, String>;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl DerefMut for Labels {
    /// The map to change: this object's own copy once it is changed.
    fn deref_mut(&mut self) -> &mut Self::Target {
        Arc::make_mut(&mut self.0)
    }
}

impl Serialize for Labels {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl From<BTreeMap<String, String>> for Labels {
    fn from(map: BTreeMap<String, String>) -> Self {
        Labels(Arc::new(map))
    }
}

impl<const N: usize> From<[(String, String); N]> for Labels {
    fn from(pairs: [(String, String); N]) -> Self {
        Labels(Arc::new(BTreeMap::from(pairs)))
    }
}

impl FromIterator<(String, String)> for Labels {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(pairs: I) -> Self {
        Labels(Arc::new(pairs.into_iter().collect()))
    }
}

impl<'a> IntoIterator for &'a Labels {
    type Item = (&'a String, &'a String);
    type IntoIter = std::collections::btree_map::Iter<'a, String, String>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs() -> Labels {
        Labels::from([
            ("app".to_string(), "cart".to_string()),
            ("team".to_string(), "shop".to_string()),
        ])
    }

    #[test]
    fn a_clone_shares_the_map_until_one_side_changes_it() {
        let shared = pairs();
        let mut changed = shared.clone();
        assert!(Arc::ptr_eq(&shared.0, &changed.0));
        changed.insert("extra".into(), "yes".into());
        assert!(!Arc::ptr_eq(&shared.0, &changed.0));
        assert_eq!(shared.len(), 2, "the shared map is unchanged");
        assert_eq!(changed.len(), 3);
        assert_ne!(shared, changed);
        assert_eq!(shared, pairs(), "equal by content, shared or not");
    }

    #[test]
    fn it_serializes_as_the_map_it_holds() {
        let text = serde_json::to_string(&pairs()).unwrap();
        assert_eq!(text, r#"{"app":"cart","team":"shop"}"#);
        assert!(Labels::default().is_empty());
    }
}
