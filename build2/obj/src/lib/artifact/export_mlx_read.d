build2/obj/src/lib/artifact/export_mlx_read.o: \
 src/lib/artifact/export_mlx_read.c include/kolm/affine.h \
 include/kolm/quant.h include/kolm/safetensors.h include/kolm/err.h \
 include/kolm/util.h src/lib/artifact/export_mlx_read_internal.h
include/kolm/affine.h:
include/kolm/quant.h:
include/kolm/safetensors.h:
include/kolm/err.h:
include/kolm/util.h:
src/lib/artifact/export_mlx_read_internal.h:
