// Word count as a MapReduce job over a text dataset: a word is a maximal run of characters other
// than ASCII white space, counted case-sensitively. The same as the Java examples/wordcount.
//
//   POST /api/mapreduce {"dataset": "<id>", "code": "<this file>", "reducers": 2}
const SPACE = /[ \t\n\v\f\r]+/;

export function map(line, emit) {
  for (const word of line.split(SPACE)) {
    if (word !== '') emit(word, 1);
  }
}

export function combine(word, counts, emit) {
  let sum = 0;
  for (const c of counts) sum += c;
  emit(word, sum);
}

export function reduce(word, counts, emit) {
  combine(word, counts, emit);
}
