//! The endpoint goes away and comes back under an open dashboard: the real
//! update() and effect runner against moto behind the fault proxy, the clock
//! ticking as the event loop's does. No crash, STALE within one refresh,
//! recovered within 10 s of the endpoint's return.

use std::time::Duration;

use amiboard::app::state::{Load, State};
use amiboard::lifecycle::Lifecycle;
use amiboard::ops::Context;
use chrono::Utc;

use crate::dashboard::{self, run_until};
use crate::fault_proxy::FaultProxy;
use crate::support::TestEnv;

#[tokio::test(flavor = "multi_thread")]
async fn the_endpoint_stopped_and_restarted_under_an_open_dashboard() {
    let env = TestEnv::new();
    let direct = env.provisioned().await;
    for i in 0..3 {
        let lc = Lifecycle::new(
            format!("lc-{i}"),
            "outage",
            "web",
            "1.0",
            "alice",
            Utc::now(),
        );
        direct.store.create(&lc).await.expect("create");
    }
    let proxy = FaultProxy::start(&crate::support::moto().url).await;
    let mut config = env.config();
    config.endpoint_url = Some(proxy.url.clone());
    config.notifications_enabled = false;
    config.refresh = Duration::from_secs(2);
    let clients = amiboard::aws::client::connect_with_static_credentials(
        &amiboard::ops::connect_settings(&config),
        "testing",
        "testing",
    )
    .await
    .expect("clients");
    let ctx = Context::from_clients(config.clone(), clients);
    let loaded = |s: &State| matches!(s.load, Load::Loaded { .. }) && s.rows.len() == 3;
    let (mut state, runner, mut rx) =
        dashboard::open(&config, ctx, &dashboard::on("outage"), loaded).await;

    // The endpoint goes away: within one refresh (2 s) plus the failed
    // call, the data is still there and marked STALE.
    proxy.set_down(true);
    let to_stale = run_until(
        &mut state,
        &runner,
        &mut rx,
        Duration::from_secs(20),
        State::is_stale,
    )
    .await
    .expect("STALE while the endpoint is down");
    assert_eq!(state.rows.len(), 3, "the data stays on screen");
    // A while down: still stale, still no crash, retries keep failing.
    run_until(&mut state, &runner, &mut rx, Duration::from_secs(6), |_| {
        false
    })
    .await;
    assert!(state.is_stale());

    // It comes back: recovered within 10 s.
    proxy.set_down(false);
    let to_recover = run_until(&mut state, &runner, &mut rx, Duration::from_secs(20), |s| {
        !s.is_stale() && loaded(s)
    })
    .await
    .expect("recovered");
    eprintln!(
        "outage: STALE after {to_stale:?}, recovered {to_recover:?} after the endpoint's return"
    );
    assert!(
        to_stale <= Duration::from_secs(2 + 9),
        "STALE within one refresh and the call's limit: {to_stale:?}"
    );
    assert!(
        to_recover <= Duration::from_secs(10),
        "recovered within 10 s: {to_recover:?}"
    );
}
