import Logging

/// The library's logger (label `fleche`). Warnings report degraded operation: a result
/// that could not be stored, an unwritable store, a stray file skipped by a query.
package let log = Logger(label: "fleche")
