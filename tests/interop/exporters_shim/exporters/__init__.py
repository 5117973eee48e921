# the stand-in package for huggingface/exporters (tests/interop/coreml_export.sh)
