//! The plan file: what the TUI saves and headless `apply` runs later. The hash binds the
//! reviewed content (tenant, action, items with their exact bodies), so a plan edited after
//! review, or written by another version, is refused rather than applied.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::plan::item::{not_found_item, plan_user};
use crate::plan::{Action, Outcome, PlanItem, Protected};
use crate::scim::model::User;

/// The plan file format this build reads and writes.
pub const PLAN_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub version: u32,
    pub tenant: String,
    /// When the plan was made, as the caller formatted it (not hashed: re-saving keeps the hash).
    pub created: String,
    pub action: Action,
    pub items: Vec<PlanItem>,
    /// sha256 hex of the canonical JSON of `{version, tenant, action, items}`.
    pub hash: String,
    /// For an undo plan: the run it undoes (not hashed: it names, it does not decide).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undoes: Option<RunRef>,
    /// For a plan made from an input file: rows that could not be used or were repeated
    /// (not hashed: it reports on the input, the items are what runs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<InputCounts>,
    /// For a plan made from an access review: the review file it came from (hashed when
    /// present: the plan is bound to the file the reviewers filled in).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<ReviewSource>,
}

/// The review file a plan was made from: its path as given and the sha256 of its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewSource {
    pub file: String,
    pub sha256: String,
}

/// Input rows that made no item: malformed (not an id or email) and duplicates (a user
/// already on an earlier row). Rows that did not resolve are the plan's not-found items.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputCounts {
    pub malformed: usize,
    pub duplicates: usize,
}

/// Names a run: its batch id and journal, as recorded in an undo run's journal so that the
/// run history can say which runs were undone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunRef {
    pub batch_id: String,
    pub journal: String,
}

/// Counts by outcome, for previews, confirmations and reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub to_change: usize,
    pub no_op: usize,
    pub protected: usize,
    pub not_found: usize,
    /// PATCH requests the plan would send.
    pub requests: usize,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PlanFileError {
    #[error("the plan file is not valid plan JSON: {0}")]
    Json(String),
    #[error(
        "the plan file has version {found:?}, but this scimitar reads version {PLAN_VERSION} only; make the plan again with this version"
    )]
    WrongVersion { found: Option<u64> },
    #[error(
        "the plan file was changed after it was made (hash {found} in the file, {expected} computed from its content); make and review the plan again"
    )]
    HashMismatch { expected: String, found: String },
}

/// What a plan is built from: the users' last known state (the runner re-reads each one
/// before writing anyway), the action and who is protected. The TUI sends it to be planned
/// off its loop.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanRequest {
    pub tenant: String,
    pub action: Action,
    pub users: Vec<User>,
    pub protected: Protected,
    pub unknown: Vec<String>,
    /// The input's unusable rows, recorded in the plan (and so the journal) as headless does.
    pub input: Option<InputCounts>,
}

impl PlanRequest {
    /// The plan; `created` is stamped when the plan is saved: planning has no clock.
    pub fn plan(&self) -> Plan {
        let mut plan = Plan::build(
            &self.tenant,
            "",
            self.action.clone(),
            &self.users,
            &self.protected,
            &self.unknown,
        );
        plan.input = self.input;
        plan
    }
}

impl Plan {
    /// Plans `action` for every user (first occurrence of an id wins), then one not-found item
    /// per unresolved key, in input order.
    pub fn build(
        tenant: &str,
        created: &str,
        action: Action,
        users: &[User],
        protected: &Protected,
        not_found: &[String],
    ) -> Plan {
        // Ids compare case-insensitively; a set keeps this linear for 100k-user plans.
        let mut seen: std::collections::HashSet<String> =
            std::collections::HashSet::with_capacity(users.len());
        let mut items = Vec::with_capacity(users.len() + not_found.len());
        for u in users {
            if !seen.insert(u.id.to_ascii_lowercase()) {
                continue;
            }
            items.push(plan_user(u, &action, protected));
        }
        items.extend(not_found.iter().map(|k| not_found_item(k)));
        Plan::from_items(tenant, created, action, items)
    }

    pub(crate) fn from_items(
        tenant: &str,
        created: &str,
        action: Action,
        items: Vec<PlanItem>,
    ) -> Plan {
        let mut plan = Plan {
            version: PLAN_VERSION,
            tenant: tenant.to_string(),
            created: created.to_string(),
            action,
            items,
            hash: String::new(),
            undoes: None,
            input: None,
            review: None,
        };
        plan.hash = plan.compute_hash();
        plan
    }

    pub fn totals(&self) -> Totals {
        let mut t = Totals::default();
        for i in &self.items {
            match i.outcome {
                Outcome::Change => t.to_change += 1,
                Outcome::NoOp => t.no_op += 1,
                Outcome::Protected { .. } => t.protected += 1,
                Outcome::NotFound => t.not_found += 1,
            }
            t.requests += i.requests.len();
        }
        t
    }

    /// The items that will send requests.
    /// Records the review file the plan was made from, and hashes the plan again.
    pub fn with_review(mut self, source: ReviewSource) -> Plan {
        self.review = Some(source);
        self.hash = self.compute_hash();
        self
    }

    pub fn changes(&self) -> impl Iterator<Item = &PlanItem> {
        self.items.iter().filter(|i| i.outcome == Outcome::Change)
    }

    /// Recomputes the hash from the content (not from the `hash` field).
    pub fn compute_hash(&self) -> String {
        let mut content = serde_json::json!({
            "version": self.version,
            "tenant": self.tenant,
            "action": self.action,
            "items": self.items,
        });
        // Only when present, so the hash of every other plan stays as it was.
        if let (Some(r), Some(o)) = (&self.review, content.as_object_mut()) {
            o.insert("review".into(), serde_json::json!(r));
        }
        let mut bytes = Vec::new();
        write_canonical(&content, &mut bytes);
        hex::encode(Sha256::digest(&bytes))
    }

    /// Pretty JSON with stable field names (serde's, as declared on the types).
    pub fn to_json(&self) -> String {
        // Serialising plain data with string keys cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Reads a plan file, refusing another version or content that does not match its hash.
    pub fn from_json(text: &str) -> Result<Plan, PlanFileError> {
        let v: Value =
            serde_json::from_str(text).map_err(|e| PlanFileError::Json(e.to_string()))?;
        let version = v.get("version").and_then(Value::as_u64);
        if version != Some(u64::from(PLAN_VERSION)) {
            return Err(PlanFileError::WrongVersion { found: version });
        }
        let plan: Plan =
            serde_json::from_value(v).map_err(|e| PlanFileError::Json(e.to_string()))?;
        let expected = plan.compute_hash();
        if !expected.eq_ignore_ascii_case(&plan.hash) {
            return Err(PlanFileError::HashMismatch {
                expected,
                found: plan.hash,
            });
        }
        Ok(plan)
    }
}

/// JSON with object keys sorted and no whitespace, independent of serde_json's map feature
/// flags, so the hash is the same on every build.
fn write_canonical(v: &Value, out: &mut Vec<u8>) {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            out.push(b'{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                out.extend_from_slice(Value::String(k.clone()).to_string().as_bytes());
                out.push(b':');
                if let Some(x) = m.get(k) {
                    write_canonical(x, out);
                }
            }
            out.push(b'}');
        }
        Value::Array(a) => {
            out.push(b'[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_canonical(x, out);
            }
            out.push(b']');
        }
        scalar => out.extend_from_slice(scalar.to_string().as_bytes()),
    }
}
