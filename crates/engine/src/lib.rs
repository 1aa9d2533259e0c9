//! The PosBridge sync engine.
