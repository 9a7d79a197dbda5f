//! Cross-function tests live in `tests/tests/`: the SAM template's least-privilege
//! guarantees and the guarded-invoke state machine executed in moto.
