"""A small moderngl renderer (standalone EGL, software rasteriser is fine).

Lambert shading with a hemisphere ambient, one shadow-casting key light (PCF shadow
map) and 4x MSAA. Static geometry (floor, mat, walls, props) is uploaded once; the body
mesh is updated per frame.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from posecoach.synth.camera import Camera, look_at

log = logging.getLogger(__name__)

_VERT = """
#version 330
uniform mat4 u_mvp; uniform mat4 u_light;
in vec3 in_pos; in vec3 in_normal; in vec3 in_color;
out vec3 v_pos; out vec3 v_normal; out vec3 v_color; out vec4 v_light;
void main() {
    v_pos = in_pos; v_normal = in_normal; v_color = in_color;
    v_light = u_light * vec4(in_pos, 1.0);
    gl_Position = u_mvp * vec4(in_pos, 1.0);
}
"""
_FRAG = """
#version 330
uniform sampler2D u_shadow; uniform vec3 u_light_dir; uniform float u_ambient;
uniform float u_key; uniform int u_pattern; uniform vec3 u_eye;
in vec3 v_pos; in vec3 v_normal; in vec3 v_color; in vec4 v_light;
out vec4 f_color;
float hash(vec2 p) { return fract(sin(dot(p, vec2(127.1, 311.7))) * 43758.5453); }
vec3 albedo() {
    if (u_pattern == 1) {  // wooden planks along y: smooth tones, soft seams (cheap to encode)
        float plank = floor(v_pos.x / 0.2);
        float seg = floor((v_pos.y + hash(vec2(plank, 1.0)) * 2.0) / 1.6);
        float tone = 0.9 + 0.16 * hash(vec2(plank, seg));
        float seam = smoothstep(0.0, 0.012, min(fract(v_pos.x / 0.2), 1.0 - fract(v_pos.x / 0.2)) * 0.2);
        return v_color * tone * (0.88 + 0.12 * seam);
    }
    if (u_pattern == 2) {  // ribbed exercise mat
        return v_color;
    }
    return v_color;
}
float shadow() {
    vec3 p = v_light.xyz / v_light.w * 0.5 + 0.5;
    if (p.x < 0.0 || p.x > 1.0 || p.y < 0.0 || p.y > 1.0 || p.z > 1.0) return 1.0;
    float lit = 0.0; vec2 texel = 1.0 / vec2(textureSize(u_shadow, 0));
    for (int i = -2; i <= 2; i++) for (int j = -2; j <= 2; j++) {
        float d = texture(u_shadow, p.xy + vec2(i, j) * texel * 1.5).r;
        lit += (p.z - 0.004 > d) ? 0.0 : 1.0;
    }
    return lit / 25.0;
}
void main() {
    vec3 n = normalize(v_normal);
    if (dot(n, u_eye - v_pos) < 0.0) n = -n;
    float diff = max(dot(n, -u_light_dir), 0.0);
    float hemi = 0.75 + 0.25 * n.z;
    vec3 c = albedo() * (u_ambient * hemi + u_key * diff * (0.35 + 0.65 * shadow()));
    f_color = vec4(pow(clamp(c, 0.0, 1.0), vec3(1.0 / 2.2)), 1.0);
}
"""
_DEPTH_VERT = """
#version 330
uniform mat4 u_light; in vec3 in_pos;
void main() { gl_Position = u_light * vec4(in_pos, 1.0); }
"""
_DEPTH_FRAG = "#version 330\nvoid main() {}\n"


@dataclass(frozen=True)
class Lighting:
    azimuth_deg: float = 35.0  # from the camera direction, about the vertical
    elevation_deg: float = 55.0
    key: float = 0.85
    ambient: float = 0.45


@dataclass(frozen=True)
class MeshPart:
    """Triangle soup with per-vertex colour, and a fragment pattern (0 plain, 1 wood, 2 mat)."""

    positions: np.ndarray  # (N, 3)
    normals: np.ndarray  # (N, 3)
    colors: np.ndarray  # (N, 3), linear RGB
    pattern: int = 0


def _interleave(positions, normals, colors) -> bytes:
    return np.hstack([positions, normals, colors]).astype("f4").tobytes()


def _gl(m: np.ndarray) -> bytes:
    return m.T.astype("f4").tobytes()  # GLSL reads column-major


def ortho(half: float, near: float, far: float) -> np.ndarray:
    m = np.eye(4)
    m[0, 0] = m[1, 1] = 1.0 / half
    m[2, 2] = -2.0 / (far - near)
    m[2, 3] = -(far + near) / (far - near)
    return m


def light_direction(cam: Camera, lighting: Lighting) -> np.ndarray:
    """Unit direction the key light travels (from the light toward the scene)."""
    to_cam = cam.eye - cam.target
    az = np.arctan2(to_cam[1], to_cam[0]) + np.radians(lighting.azimuth_deg)
    el = np.radians(lighting.elevation_deg)
    toward_light = np.array([np.cos(az) * np.cos(el), np.sin(az) * np.cos(el), np.sin(el)])
    return -toward_light


class Renderer:
    """Offscreen renderer for one clip: static scene + a deforming body mesh."""

    def __init__(self, width: int, height: int, faces: np.ndarray, body_colors: np.ndarray,
                 parts: list[MeshPart], samples: int = 4, shadow_size: int = 2048) -> None:
        import moderngl

        self.ctx = moderngl.create_standalone_context(backend="egl")
        self.size = (width, height)
        self.prog = self.ctx.program(vertex_shader=_VERT, fragment_shader=_FRAG)
        self.depth_prog = self.ctx.program(vertex_shader=_DEPTH_VERT, fragment_shader=_DEPTH_FRAG)
        self.shadow_tex = self.ctx.depth_texture((shadow_size, shadow_size))
        self.shadow_tex.compare_func = ""  # sample raw depth; the shader compares
        self.shadow_fbo = self.ctx.framebuffer(depth_attachment=self.shadow_tex)
        self.msaa_fbo = self.ctx.framebuffer(
            color_attachments=[self.ctx.renderbuffer((width, height), 4, samples=samples)],
            depth_attachment=self.ctx.depth_renderbuffer((width, height), samples=samples))
        self.out_fbo = self.ctx.simple_framebuffer((width, height))
        self._parts = [self._upload_part(p) for p in parts]
        self._body_vbo = self.ctx.buffer(reserve=len(body_colors) * 9 * 4)
        self._body_colors = np.asarray(body_colors, np.float32) ** 2.2
        ibo = self.ctx.buffer(np.asarray(faces, "i4").tobytes())
        fmt = (self._body_vbo, "3f 3f 3f", "in_pos", "in_normal", "in_color")
        self._body_vao = self.ctx.vertex_array(self.prog, [fmt], index_buffer=ibo)
        self._body_depth = self.ctx.vertex_array(
            self.depth_prog, [(self._body_vbo, "3f 24x", "in_pos")], index_buffer=ibo)

    def _upload_part(self, part: MeshPart):
        vbo = self.ctx.buffer(_interleave(part.positions, part.normals,
                                          np.asarray(part.colors, np.float32) ** 2.2))
        vao = self.ctx.vertex_array(self.prog, [(vbo, "3f 3f 3f", "in_pos", "in_normal",
                                                 "in_color")])
        depth = self.ctx.vertex_array(self.depth_prog, [(vbo, "3f 24x", "in_pos")])
        return vao, depth, part.pattern

    def __enter__(self) -> Renderer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.ctx.release()

    def render(self, cam: Camera, vertices: np.ndarray, normals: np.ndarray,
               light: np.ndarray, light_centre: np.ndarray, light_half: float,
               lighting: Lighting) -> np.ndarray:
        """One RGB frame (H, W, 3) uint8."""
        self._body_vbo.write(_interleave(vertices, normals, self._body_colors))
        eye = light_centre - light * (light_half * 3.0)
        light_mat = ortho(light_half, 0.1, light_half * 6.0) @ look_at(eye, light_centre,
                                                                       up=(0.0, 1.0, 0.0))
        self._shadow_pass(light_mat)
        self.msaa_fbo.use()
        self.ctx.viewport = (0, 0, *self.size)
        self.ctx.clear(0.8, 0.8, 0.8, 1.0)
        self.ctx.enable(self.ctx.DEPTH_TEST)
        self.shadow_tex.use(0)
        self.prog["u_shadow"].value = 0
        self.prog["u_mvp"].write(_gl(cam.projection_matrix() @ cam.view_matrix()))
        self.prog["u_light"].write(_gl(light_mat))
        self.prog["u_light_dir"].value = tuple(float(v) for v in light)
        self.prog["u_eye"].value = tuple(float(v) for v in cam.eye)
        self.prog["u_ambient"].value = lighting.ambient
        self.prog["u_key"].value = lighting.key
        for vao, _, pattern in [*self._parts, (self._body_vao, None, 0)]:
            self.prog["u_pattern"].value = pattern
            vao.render()
        self.ctx.copy_framebuffer(self.out_fbo, self.msaa_fbo)
        raw = self.out_fbo.read(components=3)
        return np.frombuffer(raw, np.uint8).reshape(self.size[1], self.size[0], 3)[::-1].copy()

    def _shadow_pass(self, light_mat: np.ndarray) -> None:
        self.shadow_fbo.use()
        self.ctx.viewport = (0, 0, *self.shadow_tex.size)
        self.ctx.clear(depth=1.0)
        self.ctx.enable(self.ctx.DEPTH_TEST)
        self.depth_prog["u_light"].write(_gl(light_mat))
        for _, depth, _ in self._parts:
            depth.render()
        self._body_depth.render()
