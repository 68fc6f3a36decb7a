// The IPFS project's own UnixFS importer (npm: ipfs-unixfs-importer), set to what
// `ipfs add --cid-version 1 --raw-leaves` does with kubo's classic defaults: fixed 256 KiB
// chunks, balanced layout of 174 links, raw leaves, a one-chunk file is its leaf.
// Usage: node unixfs_oracle.mjs FILE...   prints one CID per line.
import { createReadStream } from "node:fs";
import { importer } from "ipfs-unixfs-importer";
import { fixedSize } from "ipfs-unixfs-importer/chunker";
import { balanced } from "ipfs-unixfs-importer/layout";
import { MemoryBlockstore } from "blockstore-core/memory";

for (const path of process.argv.slice(2)) {
  const options = {
    cidVersion: 1,
    rawLeaves: true,
    reduceSingleLeafToSelf: true,
    chunker: fixedSize({ chunkSize: 262144 }),
    layout: balanced({ maxChildrenPerNode: 174 }),
  };
  let root;
  for await (const entry of importer([{ content: createReadStream(path) }], new MemoryBlockstore(), options)) {
    root = entry.cid;
  }
  console.log(root.toString());
}
