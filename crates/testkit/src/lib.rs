//! Test harness for Gatehouse: real services on loopback for the integration tests.
