// tours/t4_attention.js: T4, what attention weights look like as they learn (§4.2 T4).
export default {
  id: 'attention',
  title: 'What attention weights look like as they learn',
  summary: 'From the qkv matrix of layer 0 to the attention patterns of real heads in this run.',
  steps: [
    {
      title: 'Queries, keys and values',
      tab: 'params', at: { step: 0 }, camera: { tensor: 'qkvw', layer: 0 }, select: { name: 'qkvw', layer: 0 },
      text: 'qkvw of layer 0 is a {three_C} × {C} matrix: every token\'s {C}-number vector is multiplied by it to make a query, a key and a value ({C} numbers each), ' +
        'split into {NH} heads of {head_dim}. At step {frame_step} it is random: RMS {rms:qkvw:0}.',
    },
    {
      title: 'Predict first',
      tab: 'params', at: { step: 0 }, camera: { tensor: 'qkvw', layer: 0 },
      text: 'A head scores every earlier token with softmax(q · k / √{head_dim}) and takes that mix of their values.',
      predict: {
        question: 'Can a token in this GPT attend to the tokens after it?',
        choices: ['Yes, to all of them', 'No: a causal mask lets it look only left', 'Only to the next one'],
        answer: 1,
        reveal: 'No. The model is trained to predict the next token, so the mask hides everything to the right; the attention maps on the Attention tab are triangles.',
      },
    },
    {
      title: 'The weights learn',
      tab: 'params', at: { last: true }, camera: { tensor: 'qkvw', layer: 0 }, select: { name: 'qkvw', layer: 0 },
      text: 'Frame {frame_step}: qkvw of layer 0 has RMS {rms:qkvw:0} (0.02 at init) and its gradient RMS is {grad_rms:qkvw:0}. ' +
        'Across the layers the gradient RMS of qkvw differs by a factor {grad_spread:qkvw}. Field "gradient" in the view shows where it pushes.',
    },
    {
      title: 'A previous-token head',
      tab: 'attention', at: { first: 'previous_token_head', else: { last: true } },
      text: '{ins} (step {ins_step}): this head puts most of its weight on the token just before the current one, like a bigram table built out of attention.',
      fallback: 'The probe found no previous-token head in this run (yet). The Attention tab shows the real patterns at frame {frame_step}: each row is a query, each column a key; look for a bright line just below the diagonal.',
    },
    {
      title: 'Induction heads and collapse',
      tab: 'attention', at: { first: ['induction_head', 'attention_collapse'], else: { last: true } },
      text: '{ins} (step {ins_step}). An induction head copies what followed the previous occurrence of the current token; a collapsed head looks at one position only, a warning sign.',
      fallback: 'No induction head and no collapsed head were found in this run. Healthy heads keep some spread over the keys; an induction head shows up on the probe\'s repeated-text row as a diagonal offset by the repeat period.',
    },
  ],
};
