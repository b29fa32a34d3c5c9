// tours/t1_embeddings.js: T1, what an embedding is and how it organises (research §4.2 T1).
export default {
  id: 'embeddings',
  title: 'What an embedding is and how it organises',
  summary: 'Follow the token embedding wte from random numbers to groups of characters that behave alike.',
  steps: [
    {
      title: 'One row per token',
      tab: 'params', at: { step: 0 }, camera: 'embeddings', select: { name: 'wte', layer: -1 }, colorBy: 'frequency',
      text: 'Each of the {V} tokens owns one row of the token embedding matrix wte: {V} rows of {C} numbers. ' +
        'At step {frame_step} the rows are still the random start (RMS {rms:wte}; initialised with std 0.02). ' +
        'The cloud at the bottom is a 3-D shadow (PCA) of those {C}-dimensional rows; colour = how often the character occurs.',
    },
    {
      title: 'Predict first',
      tab: 'params', at: { step: 0 }, camera: 'embeddings',
      text: 'Nobody tells the model what a vowel, a capital or a full stop is. It only sees which character follows which.',
      predict: {
        question: 'Once trained, which character ends up nearest to "a"?',
        choices: ['b', 'e', 'A', '.'],
        answer: 1,
        reveal: 'In this project\'s 2000-step CPU demo run (4 layers, C = 128) the nearest rows to "a" were o, e, i, A, u: the other vowels first. ' +
          'Characters used in the same contexts get similar vectors. Watch whether this run gets there: it is smaller and shorter.',
      },
    },
    {
      title: 'Frequency comes first',
      tab: 'params', at: { first: 'frequency_direction', else: { frac: 0.2 } }, camera: 'embeddings', colorBy: 'frequency',
      text: '{ins} (step {ins_step}). The first thing the rows learn is how common each character is. ' +
        'wte is also the output layer (weight tying: logits = h · wteᵀ), so common characters need a shared direction. RMS of wte now: {rms:wte}.',
      fallback: 'The insights engine has not reported a frequency direction in this run (yet). At step {frame_step} wte has RMS {rms:wte}. ' +
        'Look at the colours: in longer runs the common characters (bright) and the rare ones (dark) drift to opposite sides of the cloud first.',
    },
    {
      title: 'Groups appear',
      tab: 'params', at: { first: 'embedding_clusters', else: { frac: 0.6 } }, camera: 'embeddings',
      text: '{ins} (step {ins_step}). The groups were found in the full {C}-dimensional space, not in this 3-D shadow; ' +
        '"Insights at step {frame_step}" on the right names them. Characters that play the same role end up close together.',
      fallback: 'This run has no embedding-clusters insight: its rows have not (yet) formed groups the engine accepts. ' +
        'Where to look in a longer run: capitals gather first, then punctuation with the newline, then vowels. Frame {frame_step}: wte RMS {rms:wte}.',
    },
    {
      title: 'The end of the run',
      tab: 'params', at: { last: true }, camera: 'embeddings', colorBy: 'norm',
      text: 'Frame {frame_step}: wte RMS {rms:wte} (from 0.02 at init), smallest value {min:wte}, largest {max:wte}. Colour is now each row\'s norm. ' +
        'Rare characters are almost always wrong answers, so each step pushes them the same way: they tend to drift together and grow large norms.',
    },
    {
      title: 'An honest caveat',
      tab: 'params', at: { last: true }, camera: 'embeddings',
      text: 'A 3-D shadow makes groups look sharper than they are: in the CPU demo run the clusters scored silhouette 0.55 in 3-D but 0.10 in the full 128-D space. ' +
        'Trust the insights (computed in {C} dimensions) over what the picture suggests.',
    },
  ],
};
