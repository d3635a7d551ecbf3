import GRDB

/// SQL for cached prepared statements, built once from a row type's column list so the statement and the
/// values bound to it cannot drift apart. Only column and table names are interpolated, never values.
enum SQLText {
    /// `INSERT [OR REPLACE] INTO table (columns) VALUES (?, ...)`, one placeholder per column, in order.
    static func insert(into table: String, columns: [Column], orReplace: Bool = false) -> String {
        let names = columns.map(\.name).joined(separator: ", ")
        let placeholders = Array(repeating: "?", count: columns.count).joined(separator: ", ")
        return "INSERT \(orReplace ? "OR REPLACE " : "")INTO \(table) (\(names)) VALUES (\(placeholders))"
    }

    /// `SELECT columns FROM table WHERE a = ? AND b = ?`, one placeholder per key column, in order.
    static func select(_ columns: [Column], from table: String, where keys: [Column]) -> String {
        let names = columns.map(\.name).joined(separator: ", ")
        let condition = keys.map { "\($0.name) = ?" }.joined(separator: " AND ")
        return "SELECT \(names) FROM \(table) WHERE \(condition)"
    }
}
