// gpt2_reference_encode.cjs: the reference side of the GPT-2 tokenizer test. Encodes a UTF-8
// file with npm gpt-3-encoder's own encode() and writes the token ids, space-separated.
//   node gpt2_reference_encode.cjs MODULE_DIR IN OUT
// MODULE_DIR is node_modules/gpt-3-encoder (passed in, so the test controls which copy runs).
//
// encode() builds its output with Array.concat per word, which is quadratic: on all of tiny
// Shakespeare it takes minutes. So long texts are encoded in chunks cut just before a '\n'
// that is followed by a non-space character. Such a cut never changes the pattern's matches:
// the word before the cut cannot extend over a '\n', a whitespace run ending there matches
// as itself both ways (whole text: \s+(?!\S) backs off one place, chunk: it ends the text),
// and the '\n' itself is a lone \s+ match both ways. So the concatenated chunk encodings
// equal encode() of the whole text.
'use strict';
const fs = require('fs');
const path = require('path');

const [moduleDir, inPath, outPath] = process.argv.slice(2);
if (!moduleDir || !inPath || !outPath) {
  console.error('usage: node gpt2_reference_encode.cjs MODULE_DIR IN OUT');
  process.exit(2);
}
const { encode } = require(path.resolve(moduleDir));

const kChunkChars = 20000;

function safeCuts(text) {
  const cuts = [0];
  let last = 0;
  for (let i = 1; i + 1 < text.length; i++) {
    if (i - last >= kChunkChars && text[i] === '\n' && /\S/.test(text[i + 1])) {
      cuts.push(i);
      last = i;
    }
  }
  cuts.push(text.length);
  return cuts;
}

const text = fs.readFileSync(inPath, 'utf-8');
const cuts = safeCuts(text);
const ids = [];
for (let c = 0; c + 1 < cuts.length; c++) {
  for (const id of encode(text.slice(cuts[c], cuts[c + 1]))) {
    if (typeof id !== 'number') throw new Error('gpt-3-encoder produced a non-numeric token');
    ids.push(id);
  }
}
fs.writeFileSync(outPath, ids.join(' ') + '\n');
