//! Reading the target's current state through the connector's read pair:
//! send the requests it asks for (GET only, concurrently under the
//! executor's limit), hand back every exchange, repeat until it asks for
//! nothing more. Bounded, and a request is never sent twice.

use crate::http::Executor;
use crate::runtime::LoadedConnector;
use crate::runtime::types::{Context, Exchange, HttpMethod, HttpRequest, TargetEmployee};
use std::sync::Arc;

/// Most rounds of follow-up requests before the read is abandoned.
const MAX_ROUNDS: usize = 50;

fn same_request(a: &HttpRequest, b: &HttpRequest) -> bool {
    a.method == b.method && a.path == b.path && a.query == b.query
}

/// Every employee the target holds now.
pub async fn read_target(
    connector: &Arc<LoadedConnector>,
    executor: &Executor,
    ctx: &Context,
) -> anyhow::Result<Vec<TargetEmployee>> {
    let mut pending = connector.read_requests(ctx.clone()).await?;
    let mut exchanges: Vec<Exchange> = Vec::new();
    for _ in 0..MAX_ROUNDS {
        if let Some(write) = pending.iter().find(|r| r.method != HttpMethod::Get) {
            anyhow::bail!(
                "connector {} asked to send {} {} while reading; reads must be GET so a dry run never writes",
                connector.label(),
                crate::http::executor::method_name(write.method),
                write.path
            );
        }
        let responses = futures::future::join_all(pending.iter().map(|r| executor.send(r))).await;
        for (request, response) in pending.drain(..).zip(responses) {
            let response = response.map_err(|e| anyhow::anyhow!("reading the target: {e}"))?;
            exchanges.push(Exchange { request, response });
        }
        let outcome = connector
            .parse_read(ctx.clone(), Arc::new(exchanges.clone()))
            .await?
            .map_err(|e| anyhow::anyhow!("connector could not read the target ({}): {}", e.code, e.message))?;
        pending = outcome.more.into_iter().filter(|r| !exchanges.iter().any(|x| same_request(&x.request, r))).collect();
        if pending.is_empty() {
            return Ok(outcome.employees);
        }
    }
    anyhow::bail!(
        "reading the target did not finish after {MAX_ROUNDS} rounds of requests; the connector keeps asking for more"
    )
}
