build2/obj/src/lib/artifact/artifact.o: src/lib/artifact/artifact.c \
 src/lib/artifact/artifact_internal.h include/kolm/artifact.h \
 include/kolm/err.h include/kolm/util.h include/kolm/hfdir.h \
 include/kolm/model.h
src/lib/artifact/artifact_internal.h:
include/kolm/artifact.h:
include/kolm/err.h:
include/kolm/util.h:
include/kolm/hfdir.h:
include/kolm/model.h:
