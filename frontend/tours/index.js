// tours/index.js: the registry of guided tours (R5.3). Each tour is a plain data module of this
// folder (docs/frontend.md "Tours"); tours/engine.js runs them, views/tour_panel.js shows them.
import embeddings from './t1_embeddings.js';
import phases from './t2_phases.js';
import lossSpike from './t3_loss_spike.js';
import attention from './t4_attention.js';
import layernorm from './t5_layernorm.js';
import overfitting from './t6_overfitting.js';
import compare from './t7_compare.js';
import weightGrowth from './t8_weight_growth.js';

export const TOUR_LIST = [embeddings, phases, lossSpike, attention, layernorm, overfitting, compare, weightGrowth];
export const TOURS = TOUR_LIST.map(({ id, title, summary }) => ({ id, title, summary }));
export const tourById = (id) => TOUR_LIST.find((t) => t.id === id) ?? null;
