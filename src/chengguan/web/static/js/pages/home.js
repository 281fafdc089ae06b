import { CityMap } from '../cg/map.js';

// Kept on window for tests and for the curious (it is the shared helper, nothing page-specific).
window.cgHomeMap = new CityMap('home-map', { grids: 'auto' });
