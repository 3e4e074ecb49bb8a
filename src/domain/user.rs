//! The people who use the service and what each role may do.
//!
//! Every permission check of the web UI and the API asks [`UserRole::may`]
//! (what a role may do) and [`User::sees_client`] (which clients' items a
//! user sees): the checks live here, in one place, and the HTTP layer only
//! calls them.

use serde::{Deserialize, Serialize};

/// A role of a user.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum UserRole {
    /// Works the triage and collections queues: drafts, relabels, assigns,
    /// resolves.
    Collector,
    /// Answers the escalated scope disputes of the clients they own.
    Partner,
    /// Reads eval reports, corrections and KPIs; acts on no item.
    Analyst,
    /// Everything, and manages users.
    Admin,
}

/// Something a user may ask to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// List and open items (partners: only their clients').
    ReadItems,
    /// Approve, edit or reject a draft.
    ActOnDrafts,
    /// Relabel, assign, resolve or reclassify an item.
    WorkItems,
    /// Record the outcome of an escalated dispute.
    RecordOutcome,
    /// Accept or reject a SOW or change order from a sender not on record
    /// as one of the client's documents.
    AcceptDocuments,
    /// Read eval reports, corrections and KPIs.
    ReadReports,
    /// Add users and list them.
    ManageUsers,
}

/// A role name that is not one of the four.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role {0:?}: expected collector, partner, analyst or admin")]
pub struct UnknownRole(pub String);

impl UserRole {
    /// All roles, in the order the admin page lists them.
    pub const ALL: [UserRole; 4] = [
        UserRole::Collector,
        UserRole::Partner,
        UserRole::Analyst,
        UserRole::Admin,
    ];

    /// The role's name as stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            UserRole::Collector => "collector",
            UserRole::Partner => "partner",
            UserRole::Analyst => "analyst",
            UserRole::Admin => "admin",
        }
    }

    /// Whether this role may do `action` at all (a partner may still see
    /// only some items: [`User::sees_client`]).
    pub fn may(self, action: Action) -> bool {
        use Action::*;
        match self {
            UserRole::Admin => true,
            UserRole::Collector => {
                matches!(
                    action,
                    ReadItems | ActOnDrafts | WorkItems | AcceptDocuments | ReadReports
                )
            }
            UserRole::Partner => matches!(action, ReadItems | RecordOutcome | AcceptDocuments),
            UserRole::Analyst => matches!(action, ReadReports),
        }
    }
}

impl std::str::FromStr for UserRole {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        UserRole::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim())
            .ok_or_else(|| UnknownRole(s.to_string()))
    }
}

impl std::fmt::Display for UserRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A user as the service knows them (never their password).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct User {
    /// Row id.
    pub id: i64,
    /// Login name, also the name the audit log records.
    pub name: String,
    /// What they may do.
    pub role: UserRole,
    /// For partners: the address the ledger names as the clients' partner
    /// (`clients.partner_email`); their items are those clients'.
    pub partner_email: Option<String>,
}

impl User {
    /// Whether the user may see an item of a client whose partner address
    /// is `client_partner` (`None`: not linked to a client). Partners see
    /// only their own clients' items; other roles that read items see all.
    pub fn sees_client(&self, client_partner: Option<&str>) -> bool {
        match self.role {
            UserRole::Partner => match (&self.partner_email, client_partner) {
                (Some(mine), Some(theirs)) => mine.trim().eq_ignore_ascii_case(theirs.trim()),
                _ => false,
            },
            role => role.may(Action::ReadItems),
        }
    }

    /// The partner address a listing must be limited to: `Some` for
    /// partners (an empty one matches nothing), `None` for everyone else.
    pub fn partner_scope(&self) -> Option<String> {
        (self.role == UserRole::Partner).then(|| self.partner_email.clone().unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(role: UserRole, partner: Option<&str>) -> User {
        User {
            id: 1,
            name: "u".into(),
            role,
            partner_email: partner.map(str::to_string),
        }
    }

    #[test]
    fn partners_see_only_their_clients() {
        let p = user(UserRole::Partner, Some("ana@firm.example"));
        assert!(p.sees_client(Some("ANA@firm.example")));
        assert!(!p.sees_client(Some("bo@firm.example")));
        assert!(!p.sees_client(None));
        assert!(!user(UserRole::Partner, None).sees_client(Some("ana@firm.example")));
        assert!(user(UserRole::Collector, None).sees_client(None));
        assert!(!user(UserRole::Analyst, None).sees_client(Some("ana@firm.example")));
    }

    #[test]
    fn analysts_read_reports_and_act_on_nothing() {
        assert!(UserRole::Analyst.may(Action::ReadReports));
        for a in [
            Action::ActOnDrafts,
            Action::WorkItems,
            Action::RecordOutcome,
            Action::ManageUsers,
        ] {
            assert!(!UserRole::Analyst.may(a));
        }
        assert!(!UserRole::Partner.may(Action::ActOnDrafts));
        assert!(!UserRole::Collector.may(Action::ManageUsers));
        assert!(UserRole::Admin.may(Action::ManageUsers));
        assert_eq!("partner".parse::<UserRole>(), Ok(UserRole::Partner));
        assert!("root".parse::<UserRole>().is_err());
    }
}
