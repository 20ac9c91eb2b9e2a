import FlecheValue
/// Splits a value into objects: every container (array, set, dictionary, record, optional
/// wrapper) whose depth is at least `depth` is stored as its own object under the digest of
/// the original sub-value, and stands in its parent's payload as a child reference.
///
/// Depth counts levels of containers below a node: scalars, packed arrays, bytes and empty
/// containers have depth 0, a container `1 + max(children)`. With `depth` 1 every non-empty
/// container is an object and scalars stay inline; with 0 every node is an object. The top
/// node is always stored. Because digests are Merkle hashes, the top object's key is
/// `digest(value)` whatever the depth, and a sub-structure shared by many values is stored
/// once.
///
/// A digest value naming one of `fileBodies` (a file artifact's content, stored apart as a
/// file body object) is written as a reference to it and listed among its object's
/// children, at any depth, so that gc, verify and transfers reach the body.
struct Destructuring {
    /// The remaining depth: containers at least this deep are split out.
    let depth: Int
    let algorithm: DigestAlgorithm
    var fileBodies: Set<Digest> = []

    /// One object to store.
    struct Piece {
        let digest: Digest
        /// The payload, with split-out children as references.
        let payload: [UInt8]
        /// The digests of the children and file bodies referenced from the payload, in order.
        let children: [Digest]
    }

    /// The objects of `value`, children before their parents; the last is the top.
    /// `digest`, when the caller has it, saves hashing a leaf value (16 MiB of bytes) twice.
    func split(_ value: Value, digest: Digest? = nil) -> [Piece] {
        var pieces: [Piece] = []
        _ = visit(value, isTop: true, knownDigest: digest, into: &pieces)
        return pieces
    }

    private func visit(
        _ node: Value, isTop: Bool, knownDigest: Digest? = nil, into pieces: inout [Piece]
    ) -> (digest: Digest, depth: Int) {
        let children = node.children
        guard !children.isEmpty else {
            if !isTop, case .digest(let body) = node, fileBodies.contains(body) { return (body, -1) }
            let digest = knownDigest ?? node.digest(using: algorithm)
            if isTop || depth <= 0 { pieces.append(Piece(digest: digest, payload: ValueCodec.encode(node), children: [])) }
            return (digest, 0)
        }
        let visited = children.map { visit($0, isTop: false, into: &pieces) }
        let nodeDepth = 1 + max(0, visited.map(\.depth).max()!)
        let digest = node.containerDigest(using: algorithm, childDigests: visited.map(\.digest))
        if isTop || nodeDepth >= depth {
            // A file body (depth -1) is never a child reference: the writer refers to it.
            let references = visited.map { $0.depth >= 0 && $0.depth >= depth ? $0.digest : nil }
            let (payload, referenced) = ValueCodec.encodeObject(node, childReferences: references, fileBodies: fileBodies)
            pieces.append(Piece(digest: digest, payload: payload, children: referenced))
        }
        return (digest, nodeDepth)
    }
}
