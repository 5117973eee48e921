build2/obj/src/lib/artifact/export_mlx.o: src/lib/artifact/export_mlx.c \
 include/kolm/export.h include/kolm/err.h include/kolm/affine.h \
 include/kolm/artifact.h include/kolm/util.h include/kolm/catalog.h \
 include/kolm/ctx.h include/kolm/eval.h include/kolm/fp16.h \
 include/kolm/quant.h include/kolm/safetensors.h include/kolm/types.h \
 include/kolm/version.h src/lib/artifact/artifact_internal.h \
 src/lib/artifact/export_mlx_json_internal.h \
 src/lib/artifact/export_mlx_read_internal.h
include/kolm/export.h:
include/kolm/err.h:
include/kolm/affine.h:
include/kolm/artifact.h:
include/kolm/util.h:
include/kolm/catalog.h:
include/kolm/ctx.h:
include/kolm/eval.h:
include/kolm/fp16.h:
include/kolm/quant.h:
include/kolm/safetensors.h:
include/kolm/types.h:
include/kolm/version.h:
src/lib/artifact/artifact_internal.h:
src/lib/artifact/export_mlx_json_internal.h:
src/lib/artifact/export_mlx_read_internal.h:
