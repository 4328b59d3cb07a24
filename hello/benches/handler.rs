//! The hello function in-process, as lambda_http drives it: event JSON bytes
//! → `LambdaRequest` → `hello::handle` through lambda_http's adapter →
//! response JSON bytes.

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context as TaskContext, Poll, Waker};

use criterion::{Criterion, criterion_group, criterion_main};
use hello::HelloConfig;
use lambda_http::request::LambdaRequest;
use lambda_http::{Adapter, Context, LambdaEvent, Service, service_fn};

/// Polls a future that never waits (the handler does no I/O) to completion.
fn now_or_never<F: Future>(future: F) -> F::Output {
    match pin!(future).as_mut().poll(&mut TaskContext::from_waker(Waker::noop())) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("the handler waited for something"),
    }
}

fn handler(c: &mut Criterion) {
    let config = HelloConfig { cors_allow_origin: "*".into() };
    let event = include_bytes!("../../events/hello.json");
    let mut adapter = Adapter::from(service_fn(|request| hello::handle(&config, request)));
    c.bench_function("hello/handler", |b| {
        b.iter(|| {
            let request: LambdaRequest = serde_json::from_slice(black_box(event)).unwrap();
            let response = now_or_never(adapter.call(LambdaEvent::new(request, Context::default()))).unwrap();
            serde_json::to_vec(&response).unwrap()
        })
    });

    // The same path around a handler that does nothing: what lambda_http's
    // request and response conversions cost by themselves.
    let mut empty = Adapter::from(service_fn(|_request| async {
        Ok::<_, std::convert::Infallible>(lambda_http::Response::new(lambda_http::Body::Empty))
    }));
    c.bench_function("hello/lambda_http conversions alone (empty handler)", |b| {
        b.iter(|| {
            let request: LambdaRequest = serde_json::from_slice(black_box(event)).unwrap();
            let response = now_or_never(empty.call(LambdaEvent::new(request, Context::default()))).unwrap();
            serde_json::to_vec(&response).unwrap()
        })
    });
}

criterion_group!(benches, handler);
criterion_main!(benches);
