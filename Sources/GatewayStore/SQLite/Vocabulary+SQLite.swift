import GRDB
import GatewayVocabulary

// The vocabulary is stored by its raw values. GRDB reads them back through `RawRepresentable`, and a value that
// is not one of the cases fails the read (`row.decode` throws) instead of becoming a default.

extension TargetKind: DatabaseValueConvertible {}
extension TargetAction: DatabaseValueConvertible {}
extension Outcome: DatabaseValueConvertible {}
extension ErrorCode: DatabaseValueConvertible {}

extension SQLValue {
    init<Value: RawRepresentable>(_ value: Value?) where Value.RawValue == String {
        self = value.map { .text($0.rawValue) } ?? .null
    }
}
