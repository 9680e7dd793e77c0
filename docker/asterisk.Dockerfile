# Asterisk with the dialer's configuration (asterisk-conf/), for compose.yaml.
# Not built in this project's CI: no Docker engine runs there. Build context: the repository.
FROM debian:sid-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      asterisk asterisk-core-sounds-en-wav \
 && rm -rf /var/lib/apt/lists/*
COPY asterisk-conf/extensions_dialer.conf asterisk-conf/pjsip_dialer.conf /etc/asterisk/
# ARI on loopback only (the dialer shares the host's network), as the shipped files say.
COPY asterisk-conf/ari.conf asterisk-conf/http.conf /etc/asterisk/
RUN echo '#include extensions_dialer.conf' >> /etc/asterisk/extensions.conf \
 && echo '#include pjsip_dialer.conf' >> /etc/asterisk/pjsip.conf
# The ARI password comes from the environment (ARI_PASSWORD), never from the image.
CMD ["sh", "-c", "test -n \"$ARI_PASSWORD\" && sed -i \"s/^password = .*/password = $ARI_PASSWORD/\" /etc/asterisk/ari.conf && exec asterisk -f -vvv"]
