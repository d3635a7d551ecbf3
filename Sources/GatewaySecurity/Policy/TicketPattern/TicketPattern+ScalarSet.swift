extension TicketPattern {
    /// A set of Unicode scalars, kept as sorted, disjoint, non-adjacent ranges of scalar values.
    ///
    /// One type serves literals (a one-scalar set), `.`, `\d` and character classes, so the matcher has a single
    /// consuming instruction and the backtracking check can intersect any two of them.
    struct ScalarSet: Sendable, Hashable {
        let ranges: [ClosedRange<UInt32>]

        /// Normalizes `ranges`: sorts them and merges those that overlap or touch.
        init(_ ranges: [ClosedRange<UInt32>]) {
            var merged: [ClosedRange<UInt32>] = []
            for range in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
                if let last = merged.last, range.lowerBound <= last.upperBound &+ 1 {
                    merged[merged.count - 1] = last.lowerBound...max(last.upperBound, range.upperBound)
                } else {
                    merged.append(range)
                }
            }
            self.ranges = merged
        }

        init(_ scalar: Unicode.Scalar) {
            self.ranges = [scalar.value...scalar.value]
        }

        init(_ lower: Unicode.Scalar, through upper: Unicode.Scalar) {
            self.ranges = [lower.value...upper.value]
        }

        func contains(_ scalar: Unicode.Scalar) -> Bool {
            // Binary search: a class such as `[\W]` can hold a few dozen ranges.
            var low = 0
            var high = self.ranges.count
            while low < high {
                let middle = (low + high) / 2
                let range = self.ranges[middle]
                if scalar.value < range.lowerBound {
                    high = middle
                } else if scalar.value > range.upperBound {
                    low = middle + 1
                } else {
                    return true
                }
            }
            return false
        }

        func union(_ other: Self) -> Self { Self(self.ranges + other.ranges) }

        /// Every scalar value not in the set. Values in the surrogate block are included but never occur in input.
        var inverted: Self {
            var gaps: [ClosedRange<UInt32>] = []
            var next: UInt32 = 0
            for range in self.ranges {
                if range.lowerBound > next { gaps.append(next...(range.lowerBound - 1)) }
                next = range.upperBound &+ 1
            }
            if next <= Self.largestScalarValue { gaps.append(next...Self.largestScalarValue) }
            return Self(gaps)
        }

        func intersects(_ other: Self) -> Bool {
            var mine = self.ranges[...]
            var theirs = other.ranges[...]
            while let a = mine.first, let b = theirs.first {
                if a.overlaps(b) { return true }
                if a.upperBound < b.upperBound { mine.removeFirst() } else { theirs.removeFirst() }
            }
            return false
        }

        private static let largestScalarValue: UInt32 = 0x10FFFF

        static let empty = Self([])

        /// `\d`: ASCII digits only. ICU's `\d` is every Unicode decimal digit; see ``TicketPattern``.
        static let digits = Self("0", through: "9")
        /// `\w`: ASCII letters, digits and underscore.
        static let wordCharacters = Self([0x30...0x39, 0x41...0x5A, 0x5F...0x5F, 0x61...0x7A])
        /// `\s`: ASCII space, tab, line feed, vertical tab, form feed and carriage return.
        static let whitespace = Self([0x09...0x0D, 0x20...0x20])
        /// What ends a line for `.` and `$`, as in ICU: LF, VT, FF, CR, NEL, LINE SEPARATOR, PARAGRAPH SEPARATOR.
        static let lineTerminators = Self([0x0A...0x0D, 0x85...0x85, 0x2028...0x2029])
        /// `.`: any scalar but a line terminator.
        static let anyButLineTerminator = Self.lineTerminators.inverted
    }
}
