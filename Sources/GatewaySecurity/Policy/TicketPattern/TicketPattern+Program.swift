extension TicketPattern {
    /// A compiled pattern: the instructions of a Thompson NFA, run over the input in lockstep (a Pike VM).
    ///
    /// Every live thread advances one scalar at a time and two threads at the same instruction are merged, so
    /// the work per scalar is bounded by the program's length and nothing is ever retried: matching costs
    /// O(instructions × scalars) whatever the pattern and input, where a backtracking engine can take
    /// exponential time.
    struct Program: Sendable {
        enum Instruction: Sendable {
            /// Consume one scalar if it is in the set, else the thread dies.
            case consume(ScalarSet)
            /// Continue at both targets.
            case split(Int, Int)
            case jump(Int)
            /// Continue at the next instruction if the anchor holds at the current position, else the thread dies.
            case assert(Anchor)
            /// The last instruction: reached at the end of the input, the whole input matched.
            case accept
        }

        let instructions: [Instruction]

        /// Compiles `syntax`, expanding counted repetitions, within ``TicketPattern/maximumInstructionCount``.
        init(compiling syntax: Syntax) throws(TicketPatternError) {
            var emitter = Emitter()
            try emitter.emit(syntax, within: nil)
            try emitter.append(.accept, within: nil)
            self.instructions = emitter.instructions
        }

        /// The result of a run: whether the whole input matched, and how much work that took.
        struct Outcome {
            var isMatch: Bool
            /// Instructions visited, summed over every position: at most twice the program's length per scalar
            /// plus one, which is the linear bound tests assert.
            var steps: Int
        }

        func run(on input: [Unicode.Scalar]) -> Outcome {
            var steps = 0
            var current = ThreadSet(capacity: self.instructions.count)
            var next = ThreadSet(capacity: self.instructions.count)
            self.addThread(at: 0, position: 0, in: input, to: &current, steps: &steps)
            for position in input.indices {
                guard !current.isEmpty else { break }
                next.removeAll()
                for instruction in current.members {
                    steps += 1
                    if case .consume(let set) = self.instructions[instruction], set.contains(input[position]) {
                        self.addThread(at: instruction + 1, position: position + 1, in: input, to: &next, steps: &steps)
                    }
                }
                swap(&current, &next)
            }
            // After a break `current` is empty; otherwise it holds the threads alive at the end of the input.
            return Outcome(isMatch: current.contains(self.instructions.count - 1), steps: steps)
        }

        /// Adds the thread at `instruction` and every thread it leads to without consuming input, iteratively so
        /// that no pattern can grow the call stack at match time.
        private func addThread(
            at instruction: Int,
            position: Int,
            in input: [Unicode.Scalar],
            to threads: inout ThreadSet,
            steps: inout Int
        ) {
            var pending = [instruction]
            while let instruction = pending.popLast() {
                guard threads.insert(instruction) else { continue }
                steps += 1
                switch self.instructions[instruction] {
                case .jump(let target):
                    pending.append(target)
                case .split(let first, let second):
                    pending.append(second)
                    pending.append(first)
                case .assert(let anchor):
                    if anchor.holds(at: position, in: input) { pending.append(instruction + 1) }
                case .consume, .accept:
                    break
                }
            }
        }
    }

    /// Appends instructions for syntax trees, refusing to pass ``TicketPattern/maximumInstructionCount``, so a
    /// pattern such as `(a{1000}){1000}` is refused after at most that much work instead of expanded.
    private struct Emitter {
        private(set) var instructions: [Program.Instruction] = []

        /// Emits `syntax`. `outermost` is the offset of the outermost repetition around it, the one that
        /// multiplies its size, for the error.
        mutating func emit(_ syntax: Syntax, within outermost: Int?) throws(TicketPatternError) {
            switch syntax {
            case .empty:
                break
            case .scalars(let set):
                try self.append(.consume(set), within: outermost)
            case .anchor(let anchor):
                try self.append(.assert(anchor), within: outermost)
            case .concatenation(let items):
                for item in items { try self.emit(item, within: outermost) }
            case .alternation(let branches):
                // split → first, rest; first ends with a jump past the others. Targets are patched once known.
                var jumpsToEnd: [Int] = []
                for branch in branches.dropLast() {
                    let split = try self.append(.split(0, 0), within: outermost)
                    try self.emit(branch, within: outermost)
                    jumpsToEnd.append(try self.append(.jump(0), within: outermost))
                    self.instructions[split] = .split(split + 1, self.instructions.count)
                }
                try self.emit(branches[branches.count - 1], within: outermost)
                for jump in jumpsToEnd { self.instructions[jump] = .jump(self.instructions.count) }
            case .repetition(let repetition):
                try self.emit(repetition, within: outermost ?? repetition.source.lowerBound)
            }
        }

        private mutating func emit(_ repetition: Repetition, within outermost: Int) throws(TicketPatternError) {
            let body = repetition.body
            guard let maximum = repetition.maximum else {
                if repetition.minimum == 0 {
                    // loop: split → body, exit; body; jump loop
                    let loop = try self.append(.split(0, 0), within: outermost)
                    try self.emit(body, within: outermost)
                    try self.append(.jump(loop), within: outermost)
                    self.instructions[loop] = .split(loop + 1, self.instructions.count)
                } else {
                    // minimum − 1 copies, then one that loops back: body; split → body again, exit
                    for _ in 1..<repetition.minimum { try self.emit(body, within: outermost) }
                    let loop = self.instructions.count
                    try self.emit(body, within: outermost)
                    try self.append(.split(loop, self.instructions.count + 1), within: outermost)
                }
                return
            }
            for _ in 0..<repetition.minimum { try self.emit(body, within: outermost) }
            // maximum − minimum optional copies, each of which may skip to the end: split → body, end; body; …
            var skipsToEnd: [Int] = []
            for _ in repetition.minimum..<maximum {
                skipsToEnd.append(try self.append(.split(0, 0), within: outermost))
                try self.emit(body, within: outermost)
            }
            for skip in skipsToEnd { self.instructions[skip] = .split(skip + 1, self.instructions.count) }
        }

        @discardableResult
        mutating func append(_ instruction: Program.Instruction, within outermost: Int?) throws(TicketPatternError) -> Int {
            let limit = TicketPattern.maximumInstructionCount
            guard self.instructions.count < limit else {
                throw .tooLarge("the pattern compiles to more than \(limit) instructions; use smaller counted repetitions", at: outermost ?? 0)
            }
            self.instructions.append(instruction)
            return self.instructions.count - 1
        }
    }

    /// The threads alive at one position: at most one per instruction, in the order they were added.
    private struct ThreadSet {
        private(set) var members: [Int] = []
        private var isMember: [Bool]

        init(capacity: Int) {
            self.isMember = Array(repeating: false, count: capacity)
            self.members.reserveCapacity(capacity)
        }

        var isEmpty: Bool { self.members.isEmpty }

        func contains(_ instruction: Int) -> Bool { self.isMember[instruction] }

        /// Adds `instruction`; `false` when it was already there.
        mutating func insert(_ instruction: Int) -> Bool {
            guard !self.isMember[instruction] else { return false }
            self.isMember[instruction] = true
            self.members.append(instruction)
            return true
        }

        mutating func removeAll() {
            for instruction in self.members { self.isMember[instruction] = false }
            self.members.removeAll(keepingCapacity: true)
        }
    }
}
