//! `rb_process`: the `/process` hot path of the python-rust hybrid service. It calls the same
//! `process_core::process` as the Rust service, so both answer with the very same bytes.

use pyo3::prelude::*;
use pyo3::types::PyBytes;

/// process(body: bytes) -> tuple[int, bytes]
///
/// Handles one `POST /process` request body (services/CONTRACT.md): returns the HTTP status
/// (200, 400 or 422) and the exact JSON response body. The GIL is released while it works.
/// The 1 MiB body limit (413) is the caller's job.
#[pyfunction]
fn process<'py>(py: Python<'py>, body: &[u8]) -> (u16, Bound<'py, PyBytes>) {
    // `bytes` is immutable, so reading it without the GIL attached is sound.
    let (status, response) = py.detach(|| process_core::process(body));
    (status, PyBytes::new(py, &response))
}

/// rewrite-bench's POST /process in Rust (process-core via PyO3).
#[pymodule]
mod rb_process {
    #[pymodule_export]
    use super::process;
}
