{#- Money is exact: the tap's `<field>_value` siblings (NUMERIC in PostgreSQL, DOUBLE in
    DuckDB, where the cast rounds to the nearest 1/10000) or TikTok's own amount strings. -#}
{% macro money(expression) -%}
  cast({{ expression }} as numeric(38, 4))
{%- endmacro %}

{#- Times: the tap's `*_time_iso` siblings (UTC). -#}
{% macro ts(expression) -%}
  cast({{ expression }} as timestamp)
{%- endmacro %}

{#- A UTC day (a date) of a timestamp. -#}
{% macro day_of(expression) -%}
  cast({{ expression }} as date)
{%- endmacro %}
