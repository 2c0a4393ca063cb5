mod bounded;
mod egress;
mod hostile_input;
