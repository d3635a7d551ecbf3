import Foundation
import GRDB
import GRDBSQLite

/// A cached statement run through SQLite's C API: values are bound and columns read directly, with no
/// `StatementArguments`, `Row` or `DatabaseValue` in between.
///
/// Why: the store's writer runs a handful of statements for every request, and profiling the durability
/// benchmark (`scripts/bench-gateway`) showed GRDB's generic argument and row handling costing the writer thread more CPU
/// than SQLite's own work. Only the per-request statements use this; everything else keeps GRDB's API.
///
/// GRDB still prepares, caches and finalizes the statement. It is never executed through GRDB, so the two
/// never disagree about its bindings: every use resets it, binds each parameter, steps, and resets it again.
struct DirectStatement {
    private let statement: Statement
    private let db: Database

    /// The statement for `sql`, from the connection's statement cache.
    init(_ db: Database, sql: String) throws {
        self.statement = try db.cachedStatement(sql: sql)
        self.db = db
    }

    /// Binds `values` to the parameters in order and runs the statement to completion.
    ///
    /// - Returns: how many rows it inserted, updated or deleted.
    @discardableResult
    func execute(_ values: [SQLValue]) throws -> Int {
        try self.run(values) { handle in
            while true {
                switch sqlite3_step(handle) {
                case SQLITE_DONE: return Int(sqlite3_changes(self.db.sqliteConnection))
                case SQLITE_ROW: continue
                case let code: throw self.error(code)
                }
            }
        }
    }

    /// Binds `values` to the parameters in order and reads the first row the statement returns, if any.
    func first<T>(_ values: [SQLValue], _ read: (ColumnReader) throws -> T) throws -> T? {
        try self.run(values) { handle in
            switch sqlite3_step(handle) {
            case SQLITE_ROW: return try read(ColumnReader(handle: handle))
            case SQLITE_DONE: return nil
            case let code: throw self.error(code)
            }
        }
    }

    private func run<T>(_ values: [SQLValue], _ body: (SQLiteStatement) throws -> T) throws -> T {
        let handle = self.statement.sqliteStatement
        precondition(Int(sqlite3_bind_parameter_count(handle)) == values.count, "DirectStatement: one value per parameter of \(self.statement.sql)")
        sqlite3_reset(handle)
        defer {
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)
        }
        for (index, value) in zip(CInt(1)..., values) {
            let code = value.bind(to: handle, at: index)
            guard code == SQLITE_OK else { throw self.error(code) }
        }
        return try body(handle)
    }

    private func error(_ code: CInt) -> DatabaseError {
        DatabaseError(
            resultCode: ResultCode(rawValue: code),
            message: String(cString: sqlite3_errmsg(self.db.sqliteConnection)),
            sql: self.statement.sql
        )
    }
}

/// A value bound to a ``DirectStatement`` parameter; an absent optional binds `NULL`.
enum SQLValue {
    case integer(Int64)
    case text(String)
    case blob(Data)
    case null

    init(_ value: Int?) { self = value.map { .integer(Int64($0)) } ?? .null }
    init(_ value: Int64?) { self = value.map(SQLValue.integer) ?? .null }
    init(_ value: String?) { self = value.map(SQLValue.text) ?? .null }
    init(_ value: Data?) { self = value.map(SQLValue.blob) ?? .null }

    /// Binds the value; SQLite copies text and blobs (`SQLITE_TRANSIENT`), so nothing outlives this call.
    fileprivate func bind(to handle: SQLiteStatement, at index: CInt) -> CInt {
        switch self {
        case .integer(let value):
            return sqlite3_bind_int64(handle, index, value)
        case .text(var value):
            return value.withUTF8 { sqlite3_bind_text(handle, index, $0.baseAddress, CInt($0.count), Self.transient) }
        case .blob(let value):
            return value.withUnsafeBytes { sqlite3_bind_blob(handle, index, $0.baseAddress, CInt($0.count), Self.transient) }
        case .null:
            return sqlite3_bind_null(handle, index)
        }
    }

    /// `SQLITE_TRANSIENT`, which the C macro defines as the destructor `(void*)-1`.
    private static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
}

/// The columns of the current row of a ``DirectStatement``, by 0-based index in the select list.
struct ColumnReader {
    fileprivate let handle: SQLiteStatement

    func isNull(_ column: CInt) -> Bool { sqlite3_column_type(self.handle, column) == SQLITE_NULL }

    /// - Throws: ``StoreError/corruptedData`` for `NULL` in a column the schema declares `NOT NULL`.
    func integer(_ column: CInt) throws -> Int64 {
        guard !self.isNull(column) else { throw StoreError.corruptedData }
        return sqlite3_column_int64(self.handle, column)
    }

    func optionalInteger(_ column: CInt) -> Int64? { self.isNull(column) ? nil : sqlite3_column_int64(self.handle, column) }

    /// - Throws: ``StoreError/corruptedData`` for `NULL` in a column the schema declares `NOT NULL`.
    func text(_ column: CInt) throws -> String {
        guard let text = self.optionalText(column) else { throw StoreError.corruptedData }
        return text
    }

    /// Text as stored (UTF-8).
    func optionalText(_ column: CInt) -> String? {
        guard let bytes = sqlite3_column_text(self.handle, column) else { return nil }
        return String(decoding: UnsafeBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(self.handle, column))), as: UTF8.self)
    }

    func optionalBlob(_ column: CInt) -> Data? {
        guard !self.isNull(column) else { return nil }
        let count = Int(sqlite3_column_bytes(self.handle, column))
        guard count > 0, let bytes = sqlite3_column_blob(self.handle, column) else { return Data() }
        return Data(bytes: bytes, count: count)
    }
}
