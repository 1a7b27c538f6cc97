{
  "targets": [
    {
      "target_name": "vmha_libvirt",
      "sources": ["src/vmha_libvirt.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "libraries": ["-lvirt", "-lvirt-qemu"]
    }
  ]
}
