//! Any JSON as the event of a guard function, through its real entry point (`handle`),
//! with the services that need no AWS: the embedded default policy, a sealing key, the
//! embedded sample orders. The first byte picks the function; the rest must parse as
//! JSON (the Lambda runtime refuses anything else before a handler sees it). A handler
//! may answer with an error for an event it cannot use (wrong types, missing identity,
//! too large), never panic.
#![no_main]

use std::sync::OnceLock;

use gatehouse_core::Guard;
use gatehouse_runtime::seal::SealKey;
use get_order_status::store::EmbeddedStore;
use lambda_runtime::{Context, LambdaEvent};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

struct Services {
    runtime: tokio::runtime::Runtime,
    preprocessor: prompt_preprocessor::Deps,
    validator: output_validator::Deps,
    orders: EmbeddedStore,
}

/// Boundaries that never change, so a crash replays the same.
struct Fixed;

impl prompt_preprocessor::Boundaries for Fixed {
    fn boundary(&self) -> Result<String, String> {
        Ok("fuzzboundary01".to_owned())
    }
}

fn services() -> &'static Services {
    static SERVICES: OnceLock<Services> = OnceLock::new();
    SERVICES.get_or_init(|| {
        let guard = || match Guard::embedded_default() {
            Ok(g) => g,
            Err(e) => panic!("the embedded default policy must compile: {e}"),
        };
        let runtime = match tokio::runtime::Builder::new_current_thread().build() {
            Ok(r) => r,
            Err(e) => panic!("a current-thread runtime: {e}"),
        };
        Services {
            runtime,
            preprocessor: prompt_preprocessor::Deps {
                guard: guard(),
                key: SealKey::generate().ok(),
                random: Box::new(Fixed),
                mode: gatehouse_core::spotlight::Mode::Datamark,
                escalator: None,
                session: None,
            },
            validator: output_validator::Deps {
                guard: guard(),
                key: SealKey::generate().ok(),
                refusal: output_validator::REFUSAL.to_owned(),
            },
            orders: EmbeddedStore::default(),
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let Ok(payload) = serde_json::from_slice::<Value>(rest) else {
        return;
    };
    let s = services();
    let event = LambdaEvent::new(payload, Context::default());
    match first % 3 {
        0 => {
            let _ = s
                .runtime
                .block_on(prompt_preprocessor::handle(&s.preprocessor, event));
        }
        1 => {
            let _ = s
                .runtime
                .block_on(output_validator::handle(&s.validator, event));
        }
        _ => {
            let _ = s
                .runtime
                .block_on(get_order_status::handle(&s.orders, event));
        }
    }
});
