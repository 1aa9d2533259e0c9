//! Holding every flow still: no run starts while held (a scheduled run skips, "Sync now" waits).
//! The desktop app holds the flows while it installs an update, so an update never lands in the
//! middle of a run; and it holds them only if none is running, so it never waits for one.

use tokio::sync::OwnedMutexGuard;

use super::Engine;
use crate::flow::FlowKind;

/// Every flow's run lock; runs start again when this is dropped.
#[must_use = "the flows are held only while this lives"]
pub struct RunsHeld {
    _locks: Vec<OwnedMutexGuard<()>>,
}

impl Engine {
    /// Holds every flow if none is running now; else says which are.
    pub fn hold_runs_if_idle(&self) -> Result<RunsHeld, Vec<FlowKind>> {
        let mut locks = Vec::new();
        let mut running = Vec::new();
        for flow in FlowKind::ALL {
            match self.locks.try_acquire(flow) {
                Some(lock) => locks.push(lock),
                None => running.push(flow),
            }
        }
        if running.is_empty() {
            Ok(RunsHeld { _locks: locks })
        } else {
            Err(running)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::MemoryStore;
    use std::sync::Arc;

    #[tokio::test]
    async fn flows_are_held_only_when_none_is_running_and_released_when_dropped() {
        let engine = Engine::in_memory(Arc::new(MemoryStore::new())).unwrap();
        let run = engine.locks.try_acquire(FlowKind::Stock).unwrap();
        assert_eq!(
            engine.hold_runs_if_idle().err(),
            Some(vec![FlowKind::Stock])
        );
        assert!(
            !engine.locks.is_running(FlowKind::Orders),
            "a refused hold keeps nothing"
        );
        drop(run);

        let held = engine.hold_runs_if_idle().unwrap();
        assert_eq!(
            engine.status().unwrap().running_flows,
            FlowKind::ALL.to_vec()
        );
        assert!(engine.locks.try_acquire(FlowKind::Orders).is_none());
        drop(held);
        assert!(engine.status().unwrap().running_flows.is_empty());
    }
}
