# One image for every SEKLIK service; docker-compose.yml picks the service by its command.
FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 PYTHONWARNINGS=ignore
WORKDIR /app
COPY pyproject.toml README.md config.yaml ./
COPY shared ./shared
COPY services ./services
COPY seklik ./seklik
COPY docker-compose.yml ./
RUN pip install --no-cache-dir .
# The file store's volume is mounted here; a new named volume takes this folder's owner.
RUN useradd --system --home /app seklik && chown -R seklik /app \
    && mkdir -p /var/lib/seklik/files && chown seklik /var/lib/seklik/files
USER seklik
CMD ["nameko", "run", "--config", "config.yaml", "services.partners.service:PartnersService"]
