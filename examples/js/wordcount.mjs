// Word count as a MapReduce job: a word is a maximal run of characters other than ASCII white
// space, counted case-sensitively. A text line is split as it is; a CSV row or a JSON record gives
// the words of each of its values (never the column names or keys). The same as the Java
// examples/wordcount.
//
//   POST /api/mapreduce {"dataset": "<id>", "code": "<this file>", "reducers": 2}
const SPACE = /[ \t\n\v\f\r]+/;

export function map(record, emit) {
  if (record === null || record === undefined) return;
  if (typeof record === 'object') {
    for (const value of Object.values(record)) map(value, emit);
    return;
  }
  for (const word of String(record).split(SPACE)) {
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
