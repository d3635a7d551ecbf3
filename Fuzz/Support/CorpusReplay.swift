import Foundation

/// Runs a fuzz target over saved inputs: the regression mode of every fuzz executable.
enum CorpusReplay {
    /// Replays every regular file of each directory in `paths` (sorted, hidden files skipped), or the file
    /// itself, and prints one line per path.
    ///
    /// - Returns: the exit status: 0 when every input ran (an input that breaks an invariant traps instead),
    ///   2 for a usage error or a path that cannot be read.
    static func run(paths: [String], _ testOneInput: FuzzTestOneInput) -> Int32 {
        guard !paths.isEmpty, !paths.contains(where: { $0.hasPrefix("-") }) else {
            let name = CommandLine.arguments.first.map { URL(fileURLWithPath: $0).lastPathComponent } ?? "fuzz-target"
            FileHandle.standardError.write(Data("usage: \(name) CORPUS_DIR_OR_FILE...\n(libFuzzer options need the fuzz build: scripts/fuzz)\n".utf8))
            return 2
        }
        for path in paths {
            guard let files = Self.inputFiles(at: path) else {
                FileHandle.standardError.write(Data("\(path): no such file or directory\n".utf8))
                return 2
            }
            for file in files {
                guard let bytes = FileManager.default.contents(atPath: file) else {
                    FileHandle.standardError.write(Data("\(file): cannot be read\n".utf8))
                    return 2
                }
                _ = bytes.withUnsafeBytes { buffer in
                    testOneInput(buffer.bindMemory(to: UInt8.self).baseAddress, buffer.count)
                }
            }
            print("replayed \(files.count) input\(files.count == 1 ? "" : "s") from \(path)")
        }
        return 0
    }

    /// The files to replay for one argument, or `nil` when it does not exist.
    private static func inputFiles(at path: String) -> [String]? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return nil }
        guard isDirectory.boolValue else { return [path] }
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { return nil }
        return names.filter { !$0.hasPrefix(".") }.sorted().map { (path as NSString).appendingPathComponent($0) }
    }
}
