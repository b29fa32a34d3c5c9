// scene/scene.js: the three.js renderer, camera and OrbitControls of the 3D Parameters view (R2.3).
// createScene(stage) -> {renderer, scene, camera, controls, canvas, render(), resize(),
//   resetView(), frameBox({min: [x, y, z], max: [x, y, z]}), setPixelRatio(r), dispose()}
// Throws when WebGL is unavailable, so app.js can fall back to the 2D view (R2.5).
// Colours pass through unchanged (linear output, unlit materials): what colormap.js computes is
// what appears on screen.
import * as THREE from 'three';
import { OrbitControls } from 'three/addons/controls/OrbitControls.js';

export const BACKGROUND = 0x11151c;

// A colour given as sRGB hex, used as is: the renderer writes linear output without conversion,
// so colours must not pass through three's sRGB -> linear step either.
export function flatColor(hex) {
  return new THREE.Color().setRGB(((hex >> 16) & 255) / 255, ((hex >> 8) & 255) / 255, (hex & 255) / 255, THREE.LinearSRGBColorSpace);
}

function webglAvailable() {
  try {
    const c = document.createElement('canvas');
    return !!(c.getContext('webgl2') || c.getContext('webgl'));
  } catch {
    return false;
  }
}

export function createScene(stage) {
  if (!webglAvailable()) throw new Error('WebGL is not available in this browser');
  let renderer;
  try {
    // preserveDrawingBuffer: snapshot() copies the canvas at any time for the PNG export.
    renderer = new THREE.WebGLRenderer({ antialias: false, preserveDrawingBuffer: true, powerPreference: 'high-performance' });
  } catch (e) {
    throw new Error(`WebGL could not start: ${e.message}`);
  }
  renderer.outputColorSpace = THREE.LinearSRGBColorSpace;
  renderer.setClearColor(flatColor(BACKGROUND), 1);
  const canvas = renderer.domElement;
  canvas.classList.add('pv-canvas');
  canvas.setAttribute('data-testid', 'params-canvas');
  canvas.setAttribute('data-view', '3d');
  canvas.setAttribute('tabindex', '0');
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', '3D view of the model parameters: token embeddings at the bottom, one slab per layer above. Drag to orbit, scroll to zoom, right-drag or arrow keys to pan; keys n and p step the tooltip through the items, Enter selects, Escape clears.');
  stage.prepend(canvas);

  const scene = new THREE.Scene();
  const camera = new THREE.PerspectiveCamera(45, 1, 0.05, 500);
  const controls = new OrbitControls(camera, canvas);
  controls.enableDamping = true;
  controls.dampingFactor = 0.12;
  controls.listenToKeyEvents(canvas); // arrow keys pan when the canvas has focus

  const home = { target: new THREE.Vector3(), position: new THREE.Vector3(0, 0, 10) };

  function resize() {
    const w = Math.max(1, stage.clientWidth);
    const h = Math.max(1, stage.clientHeight);
    renderer.setSize(w, h, false);
    canvas.style.width = `${w}px`;
    canvas.style.height = `${h}px`;
    camera.aspect = w / h;
    camera.updateProjectionMatrix();
  }

  // Place the camera so that the box fills the view, seen slightly from the right and above.
  function frameBox({ min, max }) {
    const box = new THREE.Box3(new THREE.Vector3(...min), new THREE.Vector3(...max));
    const size = box.getSize(new THREE.Vector3());
    const centre = box.getCenter(new THREE.Vector3());
    const fov = THREE.MathUtils.degToRad(camera.fov);
    const fitH = size.y / 2 / Math.tan(fov / 2);
    const fitW = size.x / 2 / (Math.tan(fov / 2) * Math.max(camera.aspect, 0.2));
    const dist = Math.max(fitH, fitW) * 1.02 + size.z / 2;
    home.target.copy(centre);
    home.position.copy(centre).add(new THREE.Vector3(0.35, 0.22, 1).normalize().multiplyScalar(dist));
    camera.far = dist * 6 + 50;
    camera.updateProjectionMatrix();
  }

  function resetView() {
    camera.position.copy(home.position);
    controls.target.copy(home.target);
    camera.lookAt(home.target);
    controls.update();
  }

  resize();
  resetView();

  return {
    renderer, scene, camera, controls, canvas, resize, resetView, frameBox,
    render() { controls.update(); renderer.render(scene, camera); },
    setPixelRatio(r) { if (renderer.getPixelRatio() !== r) { renderer.setPixelRatio(r); resize(); } },
    dispose() {
      controls.dispose();
      renderer.dispose();
      renderer.forceContextLoss?.();
      canvas.remove();
    },
  };
}
