//! The wasmer adapter, proved by running small WAT modules through the contract.

mod guest;
mod lifecycle;
mod outcomes;
mod rejections;
mod runner;
mod wasi_io;
