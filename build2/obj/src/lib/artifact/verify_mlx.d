build2/obj/src/lib/artifact/verify_mlx.o: src/lib/artifact/verify_mlx.c \
 include/kolm/artifact.h include/kolm/err.h include/kolm/util.h \
 include/kolm/export.h src/lib/artifact/verify_mlx_internal.h
include/kolm/artifact.h:
include/kolm/err.h:
include/kolm/util.h:
include/kolm/export.h:
src/lib/artifact/verify_mlx_internal.h:
