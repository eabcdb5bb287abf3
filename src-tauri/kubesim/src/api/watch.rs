//! Watches: the backlog since a resourceVersion (or the current objects as ADDED), then live
//! changes, as newline-delimited JSON.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, StreamBody};
use hyper::body::Frame;
use hyper::Response;
use serde_json::{json, Value};
use tokio::sync::{broadcast, mpsc, watch};
use tokio_stream::wrappers::ReceiverStream;

use super::{error_response, Body, Query, Target};
use crate::selector::{field_of, label_of, Selector};
use crate::store::{ApiError, WatchEvent};
use crate::Shared;

/// The events a watch starts with: `None` when `since` is older than the log (410 Gone).
type Backlog = Option<Vec<(&'static str, Value)>>;

/// What a watch follows: one type, maybe one namespace, objects its selectors match.
struct Watched {
    plural: &'static str,
    ns: Option<String>,
    labels: Selector,
    fields: Selector,
}

impl Watched {
    fn matches(&self, res: &str, ns: &str, obj: &Value) -> bool {
        res == self.plural
            && self.ns.as_deref().is_none_or(|n| n == ns)
            && self.labels.matches(|l| label_of(obj, l))
            && self.fields.matches(|f| field_of(obj, f))
    }
}

/// A watch: the backlog since `resourceVersion` (or the current objects as ADDED), then live
/// changes, as newline-delimited JSON. Ends on timeout, on a dropped-watch fault or a kill.
pub(super) fn watch(shared: Arc<Shared>, target: Target, query: Query) -> Response<Body> {
    let labels = Selector::parse(query.get("labelSelector").unwrap_or_default());
    let fields = Selector::parse(query.get("fieldSelector").unwrap_or_default());
    let (labels, fields) = match (labels, fields) {
        (Ok(l), Ok(f)) => (l, f),
        (Err(e), _) | (_, Err(e)) => return error_response(&ApiError::new(400, "BadRequest", e)),
    };
    let since: Option<u64> = query
        .get("resourceVersion")
        .filter(|rv| !rv.is_empty() && *rv != "0")
        .and_then(|rv| rv.parse().ok());
    let timeout = query
        .get("timeoutSeconds")
        .and_then(|t| t.parse::<u64>().ok())
        .unwrap_or(1800);
    let described = describe(target.def.plural, &query);
    let watched = Watched {
        plural: target.def.plural,
        ns: target.ns.clone(),
        labels,
        fields,
    };
    let (tx, rx) = mpsc::channel::<Result<Frame<Bytes>, Infallible>>(64);
    let (initial, live) = start(&shared, &target, &watched, since);
    // Subscribed now, so a fault switched on while the backlog is sent still ends the watch.
    let ends = Ends {
        dropped: shared.faults.watch_epoch(),
        killed: shared.kill_signal(),
        timeout: Duration::from_secs(timeout),
    };
    let id = shared.faults.watch_opened(described);
    tokio::spawn(async move {
        stream(shared.clone(), watched, initial, live, tx, ends).await;
        shared.faults.watch_closed(id);
    });
    let mut response = Response::new(BodyExt::boxed(StreamBody::new(ReceiverStream::new(rx))));
    response.headers_mut().insert(
        "content-type",
        "application/json".parse().expect("static header"),
    );
    response
}

/// A watch as `resource?selectors`, for the server's list of open watches.
fn describe(plural: &str, query: &Query) -> String {
    let selectors: Vec<String> = ["labelSelector", "fieldSelector"]
        .into_iter()
        .filter_map(|name| {
            query
                .get(name)
                .filter(|v| !v.is_empty())
                .map(|v| format!("{name}={v}"))
        })
        .collect();
    if selectors.is_empty() {
        plural.to_string()
    } else {
        format!("{plural}?{}", selectors.join("&"))
    }
}

/// The events to send first, and the live changes after them.
fn start(
    shared: &Shared,
    target: &Target,
    watched: &Watched,
    since: Option<u64>,
) -> (Backlog, broadcast::Receiver<Arc<WatchEvent>>) {
    let cluster = shared.lock();
    let store = &cluster.store;
    match since {
        None => {
            let current = store
                .list(target.def, target.ns.as_deref())
                .into_iter()
                .filter(|o| watched.labels.matches(|l| label_of(o, l)))
                .filter(|o| watched.fields.matches(|f| field_of(o, f)))
                .map(|o| ("ADDED", o.clone()))
                .collect();
            let (_, rx) = store.watch_from(store.resource_version());
            (Some(current), rx)
        }
        Some(rv) => {
            let (backlog, rx) = store.watch_from(rv);
            let backlog = backlog.map(|events| {
                events
                    .into_iter()
                    .filter(|e| watched.matches(e.res, &e.ns, &e.obj))
                    .map(|e| (e.kind, e.obj.clone()))
                    .collect()
            });
            (backlog, rx)
        }
    }
}

/// What ends a watch besides the client: a dropped-watch fault, a kill, its timeout.
struct Ends {
    dropped: watch::Receiver<u64>,
    killed: watch::Receiver<u64>,
    timeout: Duration,
}

/// Sends the backlog, then each matching change until the watch ends.
async fn stream(
    shared: Arc<Shared>,
    watched: Watched,
    initial: Backlog,
    mut live: broadcast::Receiver<Arc<WatchEvent>>,
    tx: mpsc::Sender<Result<Frame<Bytes>, Infallible>>,
    mut ends: Ends,
) {
    let line = |kind: &str, obj: &Value| {
        Ok(Frame::data(Bytes::from(format!(
            "{}\n",
            json!({"type": kind, "object": obj})
        ))))
    };
    let Some(initial) = initial else {
        let gone = ApiError::new(410, "Expired", "too old resource version");
        let _ = tx.send(line("ERROR", &gone.status())).await;
        return;
    };
    for (kind, obj) in initial {
        if tx.send(line(kind, &obj)).await.is_err() {
            return;
        }
    }
    let deadline = tokio::time::sleep(ends.timeout);
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            event = live.recv() => match event {
                Ok(e) if watched.matches(e.res, &e.ns, &e.obj) => {
                    if tx.send(line(e.kind, &e.obj)).await.is_err() { return; }
                }
                Ok(_) => {}
                // Lagged or closed: end the stream; clients re-watch from their last version.
                Err(_) => return,
            },
            _ = ends.dropped.changed() => {
                shared.faults.count_dropped();
                return;
            }
            _ = ends.killed.changed() => return,
            _ = &mut deadline => return,
            _ = tx.closed() => return,
        }
    }
}
