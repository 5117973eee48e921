build2/obj/src/lib/artifact/export_mlx_json.o: \
 src/lib/artifact/export_mlx_json.c include/kolm/util.h \
 include/kolm/err.h src/lib/artifact/export_mlx_json_internal.h
include/kolm/util.h:
include/kolm/err.h:
src/lib/artifact/export_mlx_json_internal.h:
