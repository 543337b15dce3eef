//! Where the dashboard points, and where `:profile`/`:region` moves it.

/// Where the dashboard points (account, profile, region, endpoint, table,
/// stack tag), for the header and dialogs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Connection {
    pub account: Option<String>,
    pub actor: Option<String>,
    pub profile: Option<String>,
    pub region: String,
    pub endpoint: Option<String>,
    pub table: String,
    pub stack_tag: Option<String>,
}

/// Where `:profile`/`:region` moves the dashboard (unchanged parts: `None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Switch {
    pub profile: Option<String>,
    pub region: Option<String>,
}
